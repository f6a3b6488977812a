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


@shared_task(name="community.rewards.leaderboards_refresh", ignore_result=True, expires=300)
def leaderboards_refresh() -> int:
    """Beat, every few minutes: re-rank the leaderboards from the daily rollups (leaderboards.py)."""
    from .leaderboards import leaderboards_refresh as refresh

    return refresh().rows


@shared_task(name="community.rewards.leaderboards_rebuild", ignore_result=True, expires=3600)
def leaderboards_rebuild() -> int:
    """Beat, nightly: rebuild the leaderboards from scratch (what a refresh keeps up, checked)."""
    from .leaderboards import leaderboards_rebuild as rebuild

    return rebuild().rows
