from celery import shared_task


@shared_task(name="sandbox.usage.records_flush", ignore_result=True)
def records_flush() -> None:
    """Beat: store the calls metered since the last run (see services.usage_records_flush)."""
    from .services import usage_records_flush

    usage_records_flush()
