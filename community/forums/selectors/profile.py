"""What a member did in the forums, for their public profile (the section the forums
register with ``portal.accounts.profile_sections``), scoped to who is looking."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Q

from .. import permissions
from ..models import Post, Thread

RECENT = 5


@dataclass
class MemberActivity:
    """Counts and the most recent of a member's threads, replies and accepted answers, and
    their best-voted answers."""

    threads_count: int = 0
    replies_count: int = 0
    accepted_count: int = 0
    upvoted_count: int = 0
    threads: list[Thread] = field(default_factory=list)
    replies: list[Post] = field(default_factory=list)
    accepted: list[Post] = field(default_factory=list)
    top: list[Post] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.threads_count or self.replies_count)


def _posts_seen_by(viewer):
    """Posts in threads this viewer may open: never deleted or merged away; hidden ones
    (posts or threads) only for moderators, as on the thread pages."""
    posts = Post.objects.filter(is_deleted=False, thread__is_deleted=False, thread__merged_into__isnull=True)
    if not permissions.can_moderate(viewer):
        posts = posts.filter(is_hidden=False, thread__is_hidden=False)
    return posts


def member_activity(*, member, viewer, limit: int = RECENT) -> MemberActivity:
    """The member's threads, replies, accepted answers and top answers (score above 0, best
    first) that `viewer` may see: the counts in one query, then one query per list that has
    anything in it (five at most, however much they wrote)."""
    posts = _posts_seen_by(viewer).filter(author=member)
    is_accepted = Q(thread__accepted_answer=F("pk"))
    counts = posts.aggregate(
        threads=Count("pk", filter=Q(is_first=True)),
        replies=Count("pk", filter=Q(is_first=False)),
        accepted=Count("pk", filter=Q(is_first=False) & is_accepted),
        upvoted=Count("pk", filter=Q(is_first=False, score__gt=0)),
    )
    activity = MemberActivity(
        threads_count=counts["threads"],
        replies_count=counts["replies"],
        accepted_count=counts["accepted"],
        upvoted_count=counts["upvoted"],
    )
    if activity.is_empty:
        return activity
    threads = Thread.objects.visible_to(viewer).filter(author=member).select_related("category")
    activity.threads = list(threads.defer("search_text").order_by("-created_at", "-pk")[:limit])
    replies = (
        posts.filter(is_first=False)
        .select_related("thread__category")
        .defer("body", "thread__search_text")
        .order_by("-created_at", "-pk")
    )
    activity.replies = list(replies[:limit]) if activity.replies_count else []
    activity.accepted = list(replies.filter(is_accepted)[:limit]) if activity.accepted_count else []
    if activity.upvoted_count:
        activity.top = list(replies.filter(score__gt=0).order_by("-score", "-created_at", "-pk")[:limit])
    return activity


def answers_counts(*, user_id: int, start, end) -> dict[str, int]:
    """A member's answers to other members' questions in Q&A categories posted in
    [start, end), and how many of those are accepted now: what the ambassadors' quarter
    report shows. Public posts only (never hidden, deleted or merged away)."""
    answers = Post.objects.filter(
        author_id=user_id,
        is_first=False,
        is_deleted=False,
        is_hidden=False,
        thread__is_deleted=False,
        thread__is_hidden=False,
        thread__merged_into__isnull=True,
        thread__category__kind="qa",
        created_at__gte=start,
        created_at__lt=end,
    ).exclude(thread__author_id=user_id)
    return answers.aggregate(answers=Count("pk"), accepted=Count("pk", filter=Q(thread__accepted_answer=F("pk"))))
