"""Reads of metered usage, always for one account."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import UsageRecord


def usage_records_for_user(*, user):
    return UsageRecord.objects.filter(user=user)


def month_start(now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def usage_month_totals_by_key(*, user) -> dict[int, tuple[int, int]]:
    """{key id: (requests, tokens)} for the current calendar month (UTC), in one query."""
    rows = (
        usage_records_for_user(user=user)
        .filter(created_at__gte=month_start(), api_key__isnull=False)
        .values("api_key")
        .annotate(requests=Count("id"), prompt=Sum("prompt_tokens"), completion=Sum("completion_tokens"))
    )
    return {r["api_key"]: (r["requests"], (r["prompt"] or 0) + (r["completion"] or 0)) for r in rows}


def percentile(sorted_values: list[int], fraction: float) -> int | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class UsageSummary:
    start: date
    end: date
    days: list[str] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)
    prompt_tokens: list[int] = field(default_factory=list)
    completion_tokens: list[int] = field(default_factory=list)
    p50: list[int | None] = field(default_factory=list)
    p95: list[int | None] = field(default_factory=list)
    by_model: list[dict] = field(default_factory=list)
    by_key: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=dict)

    def chart_data(self) -> dict:
        return {
            "days": self.days,
            "requests": self.requests,
            "errors": self.errors,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "p50": self.p50,
            "p95": self.p95,
            "by_model": self.by_model,
            "by_key": self.by_key,
        }


def usage_range_queryset(*, user, start: date, end: date, model: str = "", key_id: int | None = None):
    tz = timezone.get_current_timezone()
    qs = usage_records_for_user(user=user).filter(
        created_at__gte=datetime.combine(start, time.min, tzinfo=tz),
        created_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )
    if model:
        qs = qs.filter(model_id=model)
    if key_id is not None:
        qs = qs.filter(api_key_id=key_id)
    return qs


def usage_summary(*, user, start: date, end: date, model: str = "", key_id: int | None = None) -> UsageSummary:
    """Per-day requests, errors, tokens and latency p50/p95, plus totals by model and by key."""
    qs = usage_range_queryset(user=user, start=start, end=end, model=model, key_id=key_id)
    summary = UsageSummary(start=start, end=end)
    daily = {
        row["day"]: row
        for row in qs.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            requests=Count("id"),
            errors=Count("id", filter=Q(status_code__gte=400)),
            prompt=Sum("prompt_tokens"),
            completion=Sum("completion_tokens"),
        )
    }
    latencies: dict[date, list[int]] = defaultdict(list)
    for day, latency in (
        qs.annotate(day=TruncDate("created_at")).values_list("day", "latency_ms").order_by("latency_ms")
    ):
        latencies[day].append(latency)
    all_latencies: list[int] = []
    day = start
    while day <= end:
        row = daily.get(day, {})
        summary.days.append(day.isoformat())
        summary.requests.append(row.get("requests", 0))
        summary.errors.append(row.get("errors", 0))
        summary.prompt_tokens.append(row.get("prompt") or 0)
        summary.completion_tokens.append(row.get("completion") or 0)
        summary.p50.append(percentile(latencies[day], 0.50))
        summary.p95.append(percentile(latencies[day], 0.95))
        all_latencies += latencies[day]
        day += timedelta(days=1)
    all_latencies.sort()
    summary.by_model = list(
        qs.values("model_id")
        .annotate(
            requests=Count("id"),
            errors=Count("id", filter=Q(status_code__gte=400)),
            prompt=Sum("prompt_tokens"),
            completion=Sum("completion_tokens"),
            cost=Sum("cost"),
        )
        .order_by("-requests", "model_id")
    )
    for row in summary.by_model:
        row["cost"] = str(row["cost"] or 0)
    summary.by_key = [
        {**row, "key": row.pop("api_key__name") or "Playground"}
        for row in qs.values("api_key", "api_key__name", "api_key__prefix")
        .annotate(
            requests=Count("id"),
            prompt=Sum("prompt_tokens"),
            completion=Sum("completion_tokens"),
        )
        .order_by("-requests")
    ]
    summary.totals = {
        "requests": sum(summary.requests),
        "errors": sum(summary.errors),
        "prompt_tokens": sum(summary.prompt_tokens),
        "completion_tokens": sum(summary.completion_tokens),
        "p50": percentile(all_latencies, 0.50),
        "p95": percentile(all_latencies, 0.95),
    }
    summary.totals["tokens"] = summary.totals["prompt_tokens"] + summary.totals["completion_tokens"]
    return summary


# --- Staff dashboards --------------------------------------------------------------------------------


def request_count_since(*, user, since: datetime) -> int:
    return UsageRecord.objects.filter(user=user, created_at__gte=since).count()


def callers_count(*, user_ids) -> int:
    """How many of these users made at least one successful call."""
    return UsageRecord.objects.filter(user__in=user_ids, status_code__lt=400).values("user").distinct().count()


def calling_weeks(*, since: datetime) -> set:
    """(user id, Monday) of each week in which an account called the API (for retention)."""
    from portal.aggregates import active_weeks

    return active_weeks(UsageRecord.objects.all(), "user_id", "created_at", since=since)


def _rank_value(records, field_name: str, fraction: float, count: int) -> int | None:
    if not count:
        return None
    return records.order_by(field_name).values_list(field_name, flat=True)[min(count - 1, int(fraction * count))]


def api_usage_overview(*, start: datetime, dates) -> dict:
    """Every account's calls since `start`: volume, errors, tokens, latency, by day and model."""
    from django.db.models import F

    from portal.aggregates import daily_series, percent

    records = UsageRecord.objects.filter(created_at__gte=start)
    tokens = Sum(F("prompt_tokens") + F("completion_tokens"))
    summary = records.aggregate(
        requests=Count("id"),
        errors=Count("id", filter=Q(status_code__gte=400)),
        tokens=tokens,
        callers=Count("user", distinct=True),
    )
    summary["tokens"] = summary["tokens"] or 0
    summary["error_percent"] = percent(summary["errors"], summary["requests"])
    summary["latency_p50_ms"] = _rank_value(records, "latency_ms", 0.50, summary["requests"])
    summary["latency_p95_ms"] = _rank_value(records, "latency_ms", 0.95, summary["requests"])
    summary["daily"] = daily_series(
        UsageRecord.objects.all(),
        "created_at",
        start=start,
        dates=dates,
        requests=Count("id"),
        errors=Count("id", filter=Q(status_code__gte=400)),
        tokens=tokens,
    )
    summary["by_model"] = list(
        records.values("model_id").annotate(requests=Count("id"), tokens=tokens).order_by("-requests")[:8]
    )
    return summary
