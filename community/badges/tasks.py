"""Thin Celery adapters over the badge services (ids in, explicit names)."""

from celery import shared_task


@shared_task(name="community.badges.evaluate", ignore_result=True)
def evaluate(*, user_id: int) -> None:
    """Award one member every badge they have reached (counters and posts)."""
    from .services import member_evaluate_all

    member_evaluate_all(user_id=user_id)


@shared_task(name="community.badges.evaluate_all", ignore_result=True)
def evaluate_all() -> None:
    """Beat, daily: the safety net that awards whatever the handlers missed."""
    from .services import badges_evaluate_all

    badges_evaluate_all()
