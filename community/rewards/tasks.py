"""Thin Celery adapters over the rewards services (explicit names)."""

from datetime import UTC, date, timedelta

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="community.rewards.serial_votes_reverse", ignore_result=True)
def serial_votes_reverse(day: str | None = None) -> int:
    """Beat, nightly: reverse serial voting of ``day`` (ISO date; default yesterday, UTC)."""
    when = date.fromisoformat(day) if day else timezone.now().astimezone(UTC).date() - timedelta(days=1)
    return services.serial_votes_reverse(day=when)
