from celery import shared_task


@shared_task(name="sandbox.usage.records_flush", ignore_result=True)
def records_flush() -> None:
    """Beat: store the calls metered since the last run (see services.usage_records_flush)."""
    from .services import usage_records_flush

    usage_records_flush()


@shared_task(name="sandbox.usage.bodies_purge", ignore_result=True)
def bodies_purge() -> None:
    """Beat: delete logged request and response bodies past their retention."""
    from .services import usage_bodies_purge

    usage_bodies_purge()
