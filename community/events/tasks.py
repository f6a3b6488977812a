"""Thin Celery adapters over the event services (ids in, explicit names)."""

from celery import shared_task


@shared_task(name="community.events.promotion_mail", ignore_result=True)
def promotion_mail(*, registration_id: int) -> None:
    """Mail a member promoted from the waitlist that they now hold a place."""
    from .services import promotion_mail_send

    promotion_mail_send(registration_id=registration_id)


@shared_task(name="community.events.reminders_send", ignore_result=True)
def reminders_send() -> None:
    """Beat: the day-before and hour-before reminders that are due (each sent once)."""
    from .services import reminders_send as send

    send()
