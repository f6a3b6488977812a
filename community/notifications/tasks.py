"""Thin Celery adapters over the notification services (ids in, explicit names)."""

from celery import shared_task

from . import services


@shared_task(
    name="community.notifications.tasks.notification_email_send",
    ignore_result=True,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def notification_email_send(*, notification_id: int) -> None:
    services.notification_email_send(notification_id=notification_id)


@shared_task(
    name="community.notifications.tasks.notification_emails_send",
    ignore_result=True,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def notification_emails_send(*, notification_ids: list[int]) -> None:
    """The emails of a batch of notifications (one task for what one write created: a
    batch of badges costs one message on the queue, not one each). Each is sent once:
    a retry skips those already mailed."""
    for notification_id in notification_ids:
        services.notification_email_send(notification_id=notification_id)


@shared_task(
    name="community.notifications.tasks.digest_send",
    ignore_result=True,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def digest_send(*, user_id: int, frequency: str) -> None:
    services.digest_send(user_id=user_id, frequency=frequency)


@shared_task(name="community.notifications.tasks.digests_dispatch", ignore_result=True)
def digests_dispatch(*, frequency: str) -> None:
    """Beat entry point: fan out one digest task per member who is due."""
    for user_id in services.digest_recipients(frequency=frequency):
        digest_send.delay(user_id=user_id, frequency=frequency)
