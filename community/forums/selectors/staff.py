"""Reads for managers and moderators: queues, the moderation log, digests and the
staff dashboards' forum figures."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import (
    Prefetch,
    Q,
)
from django.utils import timezone

from ..models import (
    CategoryKind,
    Flag,
    FlagStatus,
    ModerationAction,
    Post,
    Thread,
    Watch,
)

# --- Managers and moderators -------------------------------------------------------------------------


def unanswered_queue(*, older_than: timedelta = timedelta(hours=24)):
    """Visible threads nobody but the author has answered for longer than `older_than`."""
    return (
        Thread.objects.visible()
        .filter(first_response_at__isnull=True, created_at__lt=timezone.now() - older_than, is_locked=False)
        .exclude(category__kind=CategoryKind.ANNOUNCEMENT)
        .select_related("category", "author__profile")
        .defer("search_text")
        .order_by("created_at")
    )


def thread_response_times(*, since=None):
    """Threads with their time to first response (None while unanswered), newest first.

    The dashboards aggregate this; `time_to_first_response` is on each row.
    """
    qs = Thread.objects.visible().exclude(category__kind=CategoryKind.ANNOUNCEMENT).defer("search_text")
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.order_by("-created_at")


def flag_queue():
    """Posts with open flags, most-flagged first, with their flags."""
    open_flags = Flag.objects.filter(status=FlagStatus.OPEN).select_related("reporter__profile")
    from django.db.models import Count

    return (
        Post.objects.filter(flags__status=FlagStatus.OPEN)
        .annotate(open_flags=Count("flags", filter=Q(flags__status=FlagStatus.OPEN)))
        .select_related("thread", "author__profile")
        .prefetch_related(Prefetch("flags", queryset=open_flags, to_attr="open_flag_list"))
        .order_by("-open_flags", "created_at")
    )


def moderation_log():
    return ModerationAction.objects.select_related("actor__profile", "thread", "target_user__profile")


def digest_threads(*, since, limit: int = 10):
    """The most active visible threads since a moment (for digest emails)."""
    return (
        Thread.objects.visible()
        .filter(last_activity_at__gte=since)
        .select_related("category")
        .defer("search_text")
        .order_by("-score", "-reply_count", "-last_activity_at")[:limit]
    )


# --- Staff dashboards --------------------------------------------------------------------------------


def posters_count(*, user_ids) -> int:
    """How many of these users (ids or a values("id") queryset) have posted."""
    return Post.objects.filter(author__in=user_ids).values("author").distinct().count()


def posting_weeks(*, since) -> set:
    """(user id, Monday) of each week in which a member posted (for retention)."""
    from portal.aggregates import active_weeks

    return active_weeks(Post.objects.all(), "author_id", "created_at", since=since)


def forum_health(*, start, dates) -> dict:
    """Threads since `start`: answered, solved, first-response times; posts per day."""
    from django.db.models import Count

    from portal.aggregates import daily_series, percent

    threads = Thread.objects.filter(is_deleted=False, is_hidden=False)
    recent = threads.filter(created_at__gte=start)
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
        reply_count=0, created_at__lt=timezone.now() - timedelta(hours=24)
    ).count()
    summary["answered_percent"] = percent(summary["answered"], summary["threads"])
    summary["solved_percent"] = percent(summary["solved"], summary["questions"])
    summary["daily"] = daily_series(
        Post.objects.filter(is_deleted=False),
        "created_at",
        start=start,
        dates=dates,
        posts=Count("id"),
        threads=Count("id", filter=Q(is_first=True)),
    )
    return summary


# --- What other apps read when they react to forum activities ---------------------------------


def post_for_notice(*, pk: int) -> Post | None:
    """A post with its thread, category and author's profile (None once gone)."""
    return Post.objects.select_related("thread__category", "author__profile").filter(pk=pk).first()


def thread_for_notice(*, pk: int) -> Thread | None:
    return Thread.objects.select_related("category", "author__profile").defer("search_text").filter(pk=pk).first()


def watchers(*, thread_id: int | None = None, category_id: int | None = None) -> list:
    """The members watching a thread, or a category (for its new threads)."""
    watches = Watch.objects.select_related("user")
    watches = watches.filter(thread_id=thread_id) if thread_id is not None else watches.filter(category_id=category_id)
    return [watch.user for watch in watches]


def moderation_action_get(*, pk: int) -> ModerationAction | None:
    return ModerationAction.objects.select_related("thread", "post", "target_user").filter(pk=pk).first()
