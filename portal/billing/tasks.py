from celery import shared_task


@shared_task(name="portal.billing.credits_grant_monthly_all", ignore_result=True)
def credits_grant_monthly_all() -> None:
    """Beat: make sure every account has this month's free credits."""
    from .services import credits_grant_monthly_all as grant_all

    grant_all()
