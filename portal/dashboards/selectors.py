"""Engagement figures for community managers: signups, activation, retention, forum
health, API usage, docs and fine-tuning. Every figure is an aggregate computed in the
database; the page issues a fixed number of queries whatever the data size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from community.forums.models import CategoryKind, Post, Thread
from portal.apikeys.models import ApiKey
from portal.docs.models import PageFeedback, PageView
from sandbox.finetuning.models import FineTuningJob
from sandbox.usage.models import UsageRecord

User = get_user_model()

RETENTION_WEEKS = 6


@dataclass
class Window:
    days: int
    start: dt.datetime = field(init=False)
    end: dt.datetime = field(init=False)

    def __post_init__(self):
        self.end = timezone.now()
        self.start = self.end - dt.timedelta(days=self.days)

    def dates(self) -> list[dt.date]:
        first = self.start.date()
        return [first + dt.timedelta(days=i) for i in range(self.days + 1)]


def _daily(queryset, date_field: str, window: Window, **aggregates) -> dict:
    """Per-day aggregates over the window as {"labels": [...], name: [...]}, zero-filled."""
    rows = (
        queryset.filter(**{f"{date_field}__gte": window.start})
        .annotate(day=TruncDate(date_field))
        .values("day")
        .annotate(**aggregates)
    )
    by_day = {row["day"]: row for row in rows}
    series = {"labels": [d.isoformat() for d in window.dates()]}
    for name in aggregates:
        series[name] = [(by_day.get(d) or {}).get(name) or 0 for d in window.dates()]
    return series


def signups(window: Window) -> dict:
    series = _daily(User.objects.all(), "date_joined", window, count=Count("id"))
    series["total"] = sum(series["count"])
    return series


def activation_funnel(window: Window) -> list[dict]:
    """Of the accounts created in the window, how many reached each step."""
    cohort = User.objects.filter(date_joined__gte=window.start)
    counts = cohort.aggregate(
        signed_up=Count("id", distinct=True),
        verified=Count("id", filter=Q(emailaddress__verified=True), distinct=True),
    )
    cohort_ids = cohort.values("id")
    counts["created_key"] = ApiKey.objects.filter(user__in=cohort_ids).values("user").distinct().count()
    counts["first_call"] = (
        UsageRecord.objects.filter(user__in=cohort_ids, status_code__lt=400).values("user").distinct().count()
    )
    counts["posted"] = Post.objects.filter(author__in=cohort_ids).values("author").distinct().count()
    steps = [
        ("signed_up", "Signed up"),
        ("verified", "Verified email"),
        ("created_key", "Created an API key"),
        ("first_call", "Made a successful API call"),
        ("posted", "Posted in the forums"),
    ]
    top = counts["signed_up"] or 0
    return [
        {"key": key, "label": label, "count": counts[key], "percent": round(100 * counts[key] / top, 1) if top else 0}
        for key, label in steps
    ]


def _active_weeks(since: dt.datetime) -> dict[int, set[dt.date]]:
    """Weeks (Monday dates) in which each user did something: an API call, a post, a docs view."""
    active: dict[int, set[dt.date]] = {}
    sources = [
        (UsageRecord.objects, "user_id", "created_at"),
        (Post.objects, "author_id", "created_at"),
        (PageView.objects.exclude(user=None), "user_id", "created_at"),
    ]
    for manager, user_field, date_field in sources:
        rows = (
            manager.filter(**{f"{date_field}__gte": since})
            .annotate(week=TruncWeek(date_field))
            .values_list(user_field, "week")
            .distinct()
        )
        for user_id, week in rows:
            if user_id is not None:
                active.setdefault(user_id, set()).add(week.date() if isinstance(week, dt.datetime) else week)
    return active


def retention_cohorts(weeks: int = RETENTION_WEEKS) -> dict:
    """Weekly signup cohorts and the share of each still active N weeks later."""
    today = timezone.now().date()
    this_monday = today - dt.timedelta(days=today.weekday())
    first_monday = this_monday - dt.timedelta(weeks=weeks - 1)
    since = timezone.make_aware(dt.datetime.combine(first_monday, dt.time.min))
    members: dict[dt.date, list[int]] = {}
    for user_id, joined in User.objects.filter(date_joined__gte=since).values_list("id", "date_joined"):
        joined_day = timezone.localtime(joined).date()
        members.setdefault(joined_day - dt.timedelta(days=joined_day.weekday()), []).append(user_id)
    active = _active_weeks(since)
    rows = []
    for index in range(weeks):
        monday = first_monday + dt.timedelta(weeks=index)
        cohort = members.get(monday, [])
        cells = []
        for offset in range(weeks - index):
            week = monday + dt.timedelta(weeks=offset)
            retained = sum(1 for user_id in cohort if week in active.get(user_id, ()))
            cells.append(round(100 * retained / len(cohort), 1) if cohort else None)
        rows.append({"week": monday, "size": len(cohort), "cells": cells})
    return {"weeks": list(range(weeks)), "rows": rows}


def forum_health(window: Window) -> dict:
    threads = Thread.objects.filter(is_deleted=False, is_hidden=False)
    recent = threads.filter(created_at__gte=window.start)
    summary = recent.aggregate(
        threads=Count("id"),
        answered=Count("id", filter=Q(reply_count__gt=0)),
        questions=Count("id", filter=Q(category__kind=CategoryKind.QA)),
        solved=Count("id", filter=Q(category__kind=CategoryKind.QA, accepted_answer__isnull=False)),
    )
    waits = sorted(
        (first - created).total_seconds() / 3600
        for created, first in recent.exclude(first_response_at=None).values_list("created_at", "first_response_at")
    )
    summary["median_first_response_hours"] = round(waits[len(waits) // 2], 1) if waits else None
    summary["unanswered_over_24h"] = threads.filter(
        reply_count=0, created_at__lt=timezone.now() - dt.timedelta(hours=24)
    ).count()
    summary["answered_percent"] = round(100 * summary["answered"] / summary["threads"], 1) if summary["threads"] else 0
    summary["solved_percent"] = round(100 * summary["solved"] / summary["questions"], 1) if summary["questions"] else 0
    summary["daily"] = _daily(
        Post.objects.filter(is_deleted=False),
        "created_at",
        window,
        posts=Count("id"),
        threads=Count("id", filter=Q(is_first=True)),
    )
    return summary


def _percentile(queryset, field_name: str, fraction: float, count: int) -> int | None:
    if not count:
        return None
    index = min(count - 1, int(fraction * count))
    return queryset.order_by(field_name).values_list(field_name, flat=True)[index]


def api_usage(window: Window) -> dict:
    records = UsageRecord.objects.filter(created_at__gte=window.start)
    summary = records.aggregate(
        requests=Count("id"),
        errors=Count("id", filter=Q(status_code__gte=400)),
        tokens=Sum(F("prompt_tokens") + F("completion_tokens")),
        callers=Count("user", distinct=True),
    )
    summary["tokens"] = summary["tokens"] or 0
    summary["error_percent"] = round(100 * summary["errors"] / summary["requests"], 1) if summary["requests"] else 0
    summary["latency_p50_ms"] = _percentile(records, "latency_ms", 0.50, summary["requests"])
    summary["latency_p95_ms"] = _percentile(records, "latency_ms", 0.95, summary["requests"])
    summary["daily"] = _daily(
        UsageRecord.objects.all(),
        "created_at",
        window,
        requests=Count("id"),
        errors=Count("id", filter=Q(status_code__gte=400)),
        tokens=Sum(F("prompt_tokens") + F("completion_tokens")),
    )
    summary["by_model"] = list(
        records.values("model_id")
        .annotate(requests=Count("id"), tokens=Sum(F("prompt_tokens") + F("completion_tokens")))
        .order_by("-requests")[:8]
    )
    return summary


def docs_engagement(window: Window) -> dict:
    views = PageView.objects.filter(created_at__gte=window.start)
    feedback = PageFeedback.objects.filter(created_at__gte=window.start).aggregate(
        answers=Count("id"), helpful=Count("id", filter=Q(helpful=True))
    )
    return {
        "views": views.count(),
        "top_pages": list(views.values("page_slug").annotate(views=Count("id")).order_by("-views")[:8]),
        "feedback_answers": feedback["answers"],
        "helpful_percent": round(100 * feedback["helpful"] / feedback["answers"], 1) if feedback["answers"] else None,
    }


def finetuning_jobs(window: Window) -> dict:
    rows = FineTuningJob.objects.filter(created_at__gte=window.start).values("status").annotate(count=Count("id"))
    return {row["status"]: row["count"] for row in rows}


def dashboard_overview(*, days: int) -> dict:
    window = Window(days=days)
    return {
        "window": window,
        "signups": signups(window),
        "funnel": activation_funnel(window),
        "retention": retention_cohorts(),
        "forum": forum_health(window),
        "api": api_usage(window),
        "docs": docs_engagement(window),
        "jobs": finetuning_jobs(window),
        "verified_total": EmailAddress.objects.filter(verified=True).count(),
    }
