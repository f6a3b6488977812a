"""What a developer hears about their job: a webhook on each state change they care
about, and mail when it ends (after the commit; a mail outage never fails a job)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from community.activity.services import activity_record

from ..models import FineTuningJob

logger = logging.getLogger(__name__)


def notify_state(job: FineTuningJob) -> None:
    """Webhook for every state change the developer cares about; mail and the activity
    (finetune.job.succeeded / failed / cancelled) when the job ends."""
    from ..webhooks import webhook_event_emit

    webhook_event_emit(
        owner=job.owner,
        event_type=f"fine_tuning.job.{job.status}",
        data={"id": job.id, "status": job.status, "fine_tuned_model": job.fine_tuned_model or None, "error": job.error},
    )
    if job.is_terminal:
        activity_record(
            actor=job.owner_id,
            verb=f"finetune.job.{job.status}",
            target=job,
            properties={
                "base_model": job.base_model_id,
                "fine_tuned_model": job.fine_tuned_model or None,
                "error_code": (job.error or {}).get("code"),
                "recipe": job.recipe,
            },
            dedupe_key=f"finetune.job.{job.status}:{job.id}",
        )
        job_id = job.id
        transaction.on_commit(lambda: finetune_job_mail_outcome(job_id=job_id))


def finetune_job_mail_outcome(*, job_id: str) -> None:
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    job = FineTuningJob.objects.select_related("owner").get(pk=job_id)
    context = {"job": job, "url": settings.SITE_URL.rstrip("/") + job.get_absolute_url()}
    try:
        send_mail(
            subject=f"[Atrium] Fine-tuning job {job.id} {job.status}",
            message=render_to_string("finetuning/email/job_finished.txt", context),
            from_email=None,
            recipient_list=[job.owner.email],
        )
    except Exception:  # mail is a courtesy; a mail server outage must not fail the job
        logger.exception("could not mail the outcome of %s", job_id)
