"""Writes of fine-tuning, split by who calls them: files, jobs (the web side), the
worker side, and the outcomes a developer hears about. Side effects (dispatch,
webhooks, mail) come last, after the transaction commits. Import from here."""

from ..errors import FineTuningError
from .events import finetune_job_event_add
from .files import file_check, file_create, file_delete, max_context_length
from .jobs import (
    JobEstimate,
    account_name,
    credits_balance_of,
    finetune_job_cancel,
    finetune_job_create,
    finetune_job_estimate,
    finetune_jobs_admit,
)
from .outcomes import finetune_job_mail_outcome
from .worker import (
    finetune_job_checkpoint_record,
    finetune_job_claim,
    finetune_job_fail,
    finetune_job_heartbeat,
    finetune_job_settle,
    finetune_job_step_record,
    finetune_job_succeed,
    finetune_jobs_reap,
)

__all__ = [
    "FineTuningError",
    "JobEstimate",
    "account_name",
    "credits_balance_of",
    "file_check",
    "file_create",
    "file_delete",
    "finetune_job_cancel",
    "finetune_job_checkpoint_record",
    "finetune_job_claim",
    "finetune_job_create",
    "finetune_job_estimate",
    "finetune_job_event_add",
    "finetune_job_fail",
    "finetune_job_heartbeat",
    "finetune_job_mail_outcome",
    "finetune_job_settle",
    "finetune_job_step_record",
    "finetune_job_succeed",
    "finetune_jobs_admit",
    "finetune_jobs_reap",
    "max_context_length",
]
