"""Reads of the activity stream, for profiles, rewards and the analytics to come."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet

from .models import ActivityEvent


def activities_for_user(
    *, user, since: datetime | None = None, verbs: Iterable[str] | None = None
) -> QuerySet[ActivityEvent]:
    """What ``user`` did, newest first (served by the (actor, occurred_at) index)."""
    activities = ActivityEvent.objects.filter(actor=user)
    if since is not None:
        activities = activities.filter(occurred_at__gte=since)
    if verbs is not None:
        activities = activities.filter(verb__in=list(verbs))
    return activities.order_by("-occurred_at")


@dataclass(frozen=True)
class ActivityCount:
    events: int
    actors: int


def activity_counts(
    *, since: datetime, until: datetime | None = None, verbs: Iterable[str] | None = None, actor=None
) -> dict[str, ActivityCount]:
    """Per verb, how many activities and how many distinct actors in [since, until)."""
    activities = ActivityEvent.objects.filter(occurred_at__gte=since)
    if until is not None:
        activities = activities.filter(occurred_at__lt=until)
    if verbs is not None:
        activities = activities.filter(verb__in=list(verbs))
    if actor is not None:
        activities = activities.filter(actor=actor)
    rows = activities.order_by().values("verb").annotate(events=Count("pk"), actors=Count("actor", distinct=True))
    return {row["verb"]: ActivityCount(events=row["events"], actors=row["actors"]) for row in rows}


def activity_counts_by_actor(
    *, actor_ids: Iterable[int], verbs: Iterable[str], since: datetime, until: datetime
) -> dict[str, dict[int, int]]:
    """Per verb, how many activities each of ``actor_ids`` recorded in [since, until): what
    a group of members (an event's attendees) did afterwards."""
    rows = (
        ActivityEvent.objects.filter(
            actor_id__in=list(actor_ids), verb__in=list(verbs), occurred_at__gte=since, occurred_at__lt=until
        )
        .order_by()
        .values("verb", "actor_id")
        .annotate(events=Count("pk"))
    )
    counts: dict[str, dict[int, int]] = {}
    for row in rows:
        counts.setdefault(row["verb"], {})[row["actor_id"]] = row["events"]
    return counts
