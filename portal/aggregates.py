"""Per-day and per-week aggregates that several apps' selectors compute for the staff
dashboards, each over its own tables (one query each, zero-filled in Python)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import QuerySet
from django.db.models.functions import TruncDate, TruncWeek


def daily_series(queryset: QuerySet, date_field: str, *, start: dt.datetime, dates: Sequence[dt.date], **aggregates):
    """Per-day aggregates from `start` as {"labels": [...], name: [...]}, zero-filled over `dates`."""
    rows = (
        queryset.filter(**{f"{date_field}__gte": start})
        .annotate(day=TruncDate(date_field))
        .values("day")
        .annotate(**aggregates)
    )
    by_day = {row["day"]: row for row in rows}
    series = {"labels": [d.isoformat() for d in dates]}
    for name in aggregates:
        series[name] = [(by_day.get(d) or {}).get(name) or 0 for d in dates]
    return series


def active_weeks(
    queryset: QuerySet, user_field: str, date_field: str, *, since: dt.datetime
) -> set[tuple[int, dt.date]]:
    """(user id, Monday) pairs of the weeks in which each user has a row in `queryset`."""
    rows = (
        queryset.filter(**{f"{date_field}__gte": since})
        .annotate(week=TruncWeek(date_field))
        .values_list(user_field, "week")
        .distinct()
    )
    return {
        (user_id, week.date() if isinstance(week, dt.datetime) else week)
        for user_id, week in rows
        if user_id is not None
    }


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0
