from celery import shared_task


@shared_task(name="community.trust.levels_evaluate_daily", ignore_result=True)
def levels_evaluate_daily() -> dict:
    """Beat, daily: demote regulars who stopped meeting the window's requirements and
    promote active members whose reputation grew (see services.members_evaluate_daily)."""
    from .services import members_evaluate_daily

    return members_evaluate_daily()
