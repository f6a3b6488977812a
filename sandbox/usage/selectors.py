"""Reads of metered usage, always for one account."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Max, Q, Sum, Window
from django.db.models.functions import FirstValue, TruncDate
from django.utils import timezone

from .models import UsageRecord, UsageRecordBody


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


def successful_calls_by_model(*, user_id: int, model_ids, since: datetime, until: datetime | None = None) -> dict:
    """{model id: successful calls (status below 400)} of one account from ``since`` (until
    ``until``), for each of ``model_ids`` (0 where none): what the showcase's verified usage shows."""
    model_ids = list(dict.fromkeys(model_ids))
    records = UsageRecord.objects.filter(
        user_id=user_id, model_id__in=model_ids, status_code__lt=400, created_at__gte=since
    )
    if until is not None:
        records = records.filter(created_at__lt=until)
    counts = dict(records.values("model_id").annotate(calls=Count("id")).values_list("model_id", "calls"))
    return {model_id: counts.get(model_id, 0) for model_id in model_ids}


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
    # Calls that name no model (GET /v1/models, files, a name that is no model), per endpoint.
    other_endpoints: list[dict] = field(default_factory=list)
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
        qs.exclude(model_id="")
        .values("model_id")
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
    labels = dict(UsageRecord.Endpoint.choices)
    summary.other_endpoints = [
        {**row, "label": labels.get(row["endpoint"], row["endpoint"])}
        for row in qs.filter(model_id="")
        .values("endpoint")
        .annotate(requests=Count("id"), errors=Count("id", filter=Q(status_code__gte=400)))
        .order_by("-requests", "endpoint")
    ]
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
    # Models only: calls that name none (model lists, unknown names) are no model's.
    summary["by_model"] = list(
        records.exclude(model_id="")
        .values("model_id")
        .annotate(requests=Count("id"), tokens=tokens)
        .order_by("-requests")[:8]
    )
    return summary


# --- The request log ---------------------------------------------------------------------------------

SUCCEEDED = "succeeded"
FAILED = "failed"
PLAYGROUND = "playground"
# Ids a response shows besides its x-request-id (a completion's own id), and the request id's.
RESPONSE_ID_PREFIXES = ("chatcmpl-", "cmpl-")
REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def request_id_normalize(text: str) -> str:
    """The request id a member pasted: the x-request-id itself, or a completion's id
    (``chatcmpl-<hex>`` is the request ``req_<hex>``), without surrounding blanks or quotes."""
    text = (text or "").strip().strip("\"'")
    for prefix in RESPONSE_ID_PREFIXES:
        if text.startswith(prefix):
            return "req_" + text[len(prefix) :]
    return text


def request_log_for_user(*, user, status: str = "", key: str = "", request_id: str = ""):
    """The member's own /v1 requests, newest first, with their keys.

    ``status``: "succeeded", "failed" or an error code; ``key``: a key id, or "playground"
    for calls made from the Playground; ``request_id``: one request (see
    :func:`request_id_normalize`).
    """
    qs = usage_records_for_user(user=user).select_related("api_key").order_by("-created_at", "-id")
    if status == SUCCEEDED:
        qs = qs.filter(status_code__lt=400)
    elif status == FAILED:
        qs = qs.filter(status_code__gte=400)
    elif status:
        qs = qs.filter(error_code=status)
    if key == PLAYGROUND:
        qs = qs.filter(api_key__isnull=True)
    elif key:
        qs = qs.filter(api_key_id=int(key))
    if request_id:
        request_id = request_id_normalize(request_id)
        # Not an id's shape (a NUL, a stray character): no request has it.
        qs = qs.filter(request_id=request_id) if REQUEST_ID_SHAPE.fullmatch(request_id) else qs.none()
    return qs


def request_log_error_codes(*, user) -> list[str]:
    """The error codes the member's requests have met, for the log's status filter."""
    return list(
        usage_records_for_user(user=user)
        .exclude(error_code="")
        .order_by("error_code")
        .values_list("error_code", flat=True)
        .distinct()
    )


def request_log_entry_get_for_user(*, user, request_id: str) -> UsageRecord:
    """One of the member's own requests with its key and kept bodies, or 404: another
    member's request is indistinguishable from one that does not exist."""
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    if not REQUEST_ID_SHAPE.fullmatch(request_id_normalize(request_id)):
        raise Http404("No such request.")
    return get_object_or_404(
        usage_records_for_user(user=user).select_related("api_key", "bodies"),
        request_id=request_id_normalize(request_id),
    )


def request_bodies_of(record: UsageRecord):
    """The record's kept request and response bodies while their retention lasts, else None."""
    try:
        bodies = record.bodies
    except UsageRecordBody.DoesNotExist:
        return None
    return bodies if bodies.expires_at > timezone.now() else None


def usage_recent_errors(*, user, since: datetime, limit: int = 5) -> list[dict]:
    """The error codes the member's requests met since ``since``: each with how many, when
    last, and that last request's id, most recent first."""
    rows = list(
        usage_records_for_user(user=user)
        .filter(created_at__gte=since)
        .exclude(error_code="")
        .values("error_code")
        .annotate(count=Count("id"), last_at=Max("created_at"))
        .order_by("-last_at")[:limit]
    )
    latest = (
        {
            code: request_id
            for code, request_id in usage_records_for_user(user=user)
            .filter(created_at__gte=since, error_code__in=[r["error_code"] for r in rows])
            # The newest request of each code: a window, which SQLite (make run) has too,
            # where DISTINCT ON is PostgreSQL's alone.
            .annotate(
                latest=Window(FirstValue("request_id"), partition_by=[F("error_code")], order_by=F("created_at").desc())
            )
            .order_by()
            .values_list("error_code", "latest")
            .distinct()
        }
        if rows
        else {}
    )
    for row in rows:
        row["last_request_id"] = latest.get(row["error_code"], "")
    return rows
