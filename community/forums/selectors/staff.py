"""Reads for managers and moderators: queues, the moderation log, digests and the
staff dashboards' forum figures."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import (
    BooleanField,
    Case,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from ..models import (
    CategoryKind,
    Flag,
    FlagStatus,
    ModerationAction,
    ModerationActionKind,
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
    """Posts with open flags, heaviest first (each flag weighs what its reporter's trust
    level gives it: a regular's report counts more than a newcomer's), with their flags."""
    open_flags = Flag.objects.filter(status=FlagStatus.OPEN).select_related("reporter__profile")
    from django.db.models import Count, Sum

    is_open = Q(flags__status=FlagStatus.OPEN)
    return (
        Post.objects.filter(flags__status=FlagStatus.OPEN)
        .annotate(open_flags=Count("flags", filter=is_open), open_weight=Sum("flags__weight", filter=is_open))
        .select_related("thread", "author__profile")
        .prefetch_related(Prefetch("flags", queryset=open_flags, to_attr="open_flag_list"))
        .order_by("-open_weight", "-open_flags", "created_at")
    )


# What the system does by itself (no moderator took it): the log credits it to Atrium.
AUTOMATIC_ACTIONS = (ModerationActionKind.KEY_REDACTED,)


def moderation_log():
    """Every moderation action, newest first, each once; `is_automatic` marks the system's own."""
    return ModerationAction.objects.select_related("actor__profile", "thread", "target_user__profile").annotate(
        is_automatic=Case(
            When(kind__in=AUTOMATIC_ACTIONS, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


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


def _first_responses(threads):
    """Each thread's first response: the earliest visible reply by someone other than its
    author (the author's own follow-ups, hidden and deleted replies answer nobody)."""
    replies = Post.objects.visible().filter(thread=OuterRef("pk"), is_first=False).exclude(author=OuterRef("author"))
    return threads.annotate(first_response=Subquery(replies.order_by("created_at").values("created_at")[:1]))


def forum_health(*, start, dates) -> dict:
    """Threads since `start`: answered, solved, time to first response; posts per day.

    The median time to first response is taken over the window's threads that got one, from
    the replies themselves; beside it, how many of the window's threads (announcements
    aside) still have no response after 24 hours, which the median alone would hide, and the
    whole unanswered queue (`unanswered_over_24h`, what the managers' queue lists).
    """
    from statistics import median

    from django.db.models import Count

    from portal.aggregates import daily_series, percent

    recent = Thread.objects.visible().filter(created_at__gte=start)
    summary = recent.aggregate(
        threads=Count("id"),
        questions=Count("id", filter=Q(category__kind=CategoryKind.QA)),
        solved=Count("id", filter=Q(category__kind=CategoryKind.QA, accepted_answer__isnull=False)),
    )
    awaited = recent.exclude(category__kind=CategoryKind.ANNOUNCEMENT)
    rows = list(_first_responses(awaited).values_list("created_at", "first_response"))
    waits = [first - created for created, first in rows if first is not None]
    day_ago = timezone.now() - timedelta(hours=24)
    summary["answered"] = len(waits)
    summary["awaiting_response"] = len(rows) - len(waits)
    summary["awaiting_over_24h"] = sum(1 for created, first in rows if first is None and created < day_ago)
    summary["median_first_response"] = median(waits) if waits else None
    summary["median_first_response_hours"] = (
        round(summary["median_first_response"].total_seconds() / 3600, 1) if waits else None
    )
    summary["unanswered_over_24h"] = unanswered_queue().count()
    summary["answered_percent"] = percent(summary["answered"], len(rows))
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


def posts_for_notice(*, pks) -> dict[int, Post]:
    """``post_for_notice`` for many posts at once (one query), by id."""
    posts = Post.objects.select_related("thread__category", "author__profile").filter(pk__in=set(pks))
    return {post.pk: post for post in posts}


def thread_for_notice(*, pk: int) -> Thread | None:
    return Thread.objects.select_related("category", "author__profile").defer("search_text").filter(pk=pk).first()


def watchers(*, thread_id: int | None = None, category_id: int | None = None) -> list:
    """The members watching a thread, or a category (for its new threads)."""
    watches = Watch.objects.select_related("user")
    watches = watches.filter(thread_id=thread_id) if thread_id is not None else watches.filter(category_id=category_id)
    return [watch.user for watch in watches]


def moderation_action_get(*, pk: int) -> ModerationAction | None:
    return ModerationAction.objects.select_related("thread", "post", "target_user").filter(pk=pk).first()
