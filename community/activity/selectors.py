"""Reads of the activity stream, for profiles, rewards and the analytics to come."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet

from .models import ActivityEvent, HandlerRun


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


def handler_runs_due(*, now: datetime) -> bool:
    """Whether handler runs wait to be run at ``now`` (pending, their time come)."""
    return HandlerRun.objects.filter(status=HandlerRun.Status.PENDING, next_attempt_at__lte=now).exists()


def handler_run_last_id() -> int:
    """The newest handler run's id (0 when there is none): a mark to count the runs after it."""
    return HandlerRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def handler_runs_after(*, run_id: int) -> tuple[int, int]:
    """(runs created after ``run_id``, those of them that have not succeeded)."""
    runs = HandlerRun.objects.filter(pk__gt=run_id)
    return runs.count(), runs.exclude(status=HandlerRun.Status.SUCCEEDED).count()
