"""Celery adapters over the ambassadors' services (ids in, no objects)."""

from celery import shared_task


@shared_task(name="community.ambassadors.decision_mail_send")
def decision_mail_send(*, application_id: int) -> bool:
    from .services import decision_mail_send as send

    return send(application_id=application_id)


@shared_task(name="community.ambassadors.credits_grant_monthly")
def credits_grant_monthly() -> int:
    """On the 1st of each month: every active ambassador's credits, once per member and month."""
    from .services import ambassadors_credits_grant_monthly

    return ambassadors_credits_grant_monthly()
