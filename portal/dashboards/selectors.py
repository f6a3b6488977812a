"""Engagement figures for community managers: signups, activation, retention, forum
health, API usage, docs and fine-tuning. Every figure is an aggregate computed in the
database; the page issues a fixed number of queries whatever the data size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from community.forums import selectors as forums
from portal.aggregates import daily_series
from portal.apikeys import selectors as apikeys
from portal.docs import selectors as docs
from sandbox.finetuning import selectors as finetuning
from sandbox.usage import selectors as usage

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


def signups(window: Window) -> dict:
    series = daily_series(
        User.objects.all(), "date_joined", start=window.start, dates=window.dates(), count=Count("id")
    )
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
    counts["created_key"] = apikeys.key_holders_count(user_ids=cohort_ids)
    counts["first_call"] = usage.callers_count(user_ids=cohort_ids)
    counts["posted"] = forums.posters_count(user_ids=cohort_ids)
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
    for user_id, week in (
        usage.calling_weeks(since=since) | forums.posting_weeks(since=since) | docs.reading_weeks(since=since)
    ):
        active.setdefault(user_id, set()).add(week)
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


def dashboard_overview(*, days: int) -> dict:
    window = Window(days=days)
    return {
        "window": window,
        "signups": signups(window),
        "funnel": activation_funnel(window),
        "retention": retention_cohorts(),
        "forum": forums.forum_health(start=window.start, dates=window.dates()),
        "api": usage.api_usage_overview(start=window.start, dates=window.dates()),
        "docs": docs.docs_engagement(start=window.start),
        "jobs": finetuning.job_status_counts(since=window.start),
        "verified_total": EmailAddress.objects.filter(verified=True).count(),
    }
