from celery import shared_task


@shared_task(name="community.activity.flush", ignore_result=True)
def flush(claim_idle_ms: int | None = None) -> None:
    """Beat: store recorded activities and run their handlers (see services.activity_events_flush)."""
    from .services import activity_events_flush

    activity_events_flush(claim_idle_ms=claim_idle_ms)
