"""Celery tasks of fine-tuning: thin adapters over services and the worker runner.

`finetune_job_run` is sent to the `training` queue (``FINETUNE_TRAINING_QUEUE``) with late acks: a worker that dies
leaves the job row `running` with a stale heartbeat, and the beat reaper
(`jobs_reap`) queues it again to resume from its last checkpoint.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    name="sandbox.finetuning.job_run",
    acks_late=True,
    reject_on_worker_lost=True,
    track_started=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def finetune_job_run(*, job_id: str, dispatch_id: str) -> None:
    """Train one fine-tuning job (or resume it from its last checkpoint)."""
    from .runner import run_job

    run_job(job_id=job_id, dispatch_id=dispatch_id)


@shared_task(name="sandbox.finetuning.jobs_reap", ignore_result=True)
def finetune_jobs_reap() -> list[str]:
    """Periodic: re-queue jobs whose worker stopped sending heartbeats."""
    from .services import finetune_jobs_reap as reap

    return reap()


@shared_task(name="sandbox.finetuning.webhook_delivery_send", bind=True, ignore_result=True, max_retries=None)
def webhook_delivery_send(self, *, delivery_id: int) -> None:
    """POST a webhook delivery; retry with exponential backoff (2 s, 4 s, ... up to the attempt limit)."""
    from .webhooks import webhook_delivery_attempt

    if webhook_delivery_attempt(delivery_id=delivery_id) is False:
        raise self.retry(countdown=2 ** min(self.request.retries + 1, 10))
