"""Reads for the reading pages: categories, tags, topic lists, threads, posts and
each reader's state (read markers, watches, votes), scoped to the caller."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.db import connection
from django.db.models import (
    Case,
    DateTimeField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from .. import permissions
from ..models import (
    Category,
    CategoryKind,
    Post,
    Tag,
    Thread,
    ThreadRead,
)

THREADS_PER_PAGE = 30
POSTS_PER_PAGE = 30  # as Stack Overflow pages answers
KNOWN_ERROR_CODES = [
    "rate_limit_exceeded",
    "insufficient_quota",
    "context_length_exceeded",
    "invalid_api_key",
    "model_not_found",
    "invalid_request_error",
    "server_error",
]


class Sort:
    LATEST = "latest"
    TOP = "top"
    UNANSWERED = "unanswered"
    ALL = (LATEST, TOP, UNANSWERED)


TOP_PERIODS = {"week": timedelta(days=7), "month": timedelta(days=30), "all": None}


def category_list():
    return Category.objects.all()


def category_get(*, slug: str) -> Category:
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist as exc:
        raise Http404 from exc


def category_of_kind(*, kind: str) -> Category | None:
    """The first category of this kind (e.g. where showcase entries get their threads), or None."""
    return Category.objects.filter(kind=kind).order_by("position", "pk").first()


def tag_list():
    return Tag.objects.all()


def thread_list(
    *,
    user=None,
    sort: str = Sort.LATEST,
    period: str = "all",
    category: Category | None = None,
    tag: Tag | None = None,
):
    """Threads everyone may see, sorted and filtered, with everything the list shows joined in.

    The queryset costs a fixed number of queries however many threads exist: categories
    and last posters are joined (a row shows the last poster, not the author), and, given
    a signed-in `user`, their read marker is a subquery (`read_at`); the topic list's
    shared rows leave it out (see pagecache.py). `threads_with_tags` adds the tags of one page.
    """
    qs = Thread.objects.visible().select_related("category", "last_poster__profile")
    qs = qs.defer("search_text")
    if category is not None:
        qs = qs.filter(category=category)
    if tag is not None:
        qs = qs.filter(tags=tag)
    if sort == Sort.TOP:
        delta = TOP_PERIODS.get(period)
        if delta is not None:
            qs = qs.filter(created_at__gte=timezone.now() - delta)
        qs = qs.order_by("-score", "-reply_count", "-created_at")
    elif sort == Sort.UNANSWERED:
        qs = qs.filter(reply_count=0).exclude(category__kind=CategoryKind.ANNOUNCEMENT).order_by("-created_at")
    else:
        qs = qs.order_by("-is_pinned", "-last_activity_at")
    if user is not None and user.is_authenticated:
        qs = qs.annotate(
            read_at=Subquery(ThreadRead.objects.filter(user=user, thread=OuterRef("pk")).values("read_at")[:1])
        )
    return qs


class TagLink(NamedTuple):
    slug: str
    name: str


def threads_with_tags(threads) -> list[Thread]:
    """The threads as a list, each with `tag_links` (slug and name, by name) from one query.

    A page of rows only links to its tags: reading the pairs costs a third of what
    `prefetch_related("tags")` spends building Tag objects for them.
    """
    threads = list(threads)
    links: dict[int, list[TagLink]] = {thread.pk: [] for thread in threads}
    pairs = (
        Thread.tags.through.objects.filter(thread_id__in=list(links))
        .order_by("tag__name", "tag_id")
        .values_list("thread_id", "tag__slug", "tag__name")
    )
    for thread_id, slug, name in pairs:
        links[thread_id].append(TagLink(slug, name))
    for thread in threads:
        thread.tag_links = links[thread.pk]
    return threads


def thread_get_for_user(*, user, pk: int) -> Thread:
    """The thread if this reader may see it (moderators see hidden ones); 404 otherwise."""
    threads = Thread.objects.visible_to(user).select_related("category").defer("search_text")
    try:
        return threads.get(pk=pk)
    except Thread.DoesNotExist as exc:
        merged = Thread.objects.filter(pk=pk, merged_into__isnull=False).values_list("merged_into", flat=True).first()
        if merged:
            raise ThreadMerged(merged) from exc
        raise Http404 from exc


class ThreadMerged(Exception):
    def __init__(self, target_id: int):
        super().__init__(target_id)
        self.target_id = target_id


def post_get_for_user(*, user, pk: int) -> Post:
    """A post in a thread this reader may see; hidden/deleted posts only for moderators and authors."""
    try:
        post = Post.objects.select_related("thread", "thread__category", "author__profile").get(pk=pk)
    except Post.DoesNotExist as exc:
        raise Http404 from exc
    thread = post.thread
    if thread.is_deleted or thread.merged_into_id:
        raise Http404
    if (thread.is_hidden or post.is_hidden) and not permissions.can_moderate(user) and post.author_id != user.pk:
        raise Http404
    return post


def thread_posts(*, thread: Thread):
    """The posts of a thread in reading order: the question, the accepted answer, then replies.

    The Markdown source is left behind: the page shows the rendered HTML. Which of them
    the reader voted for is filled in per reader (see pagecache.py).
    """
    qs = (
        thread.posts.select_related("author__profile")
        .defer("body", "body_hash")
        .order_by(
            Case(
                When(is_first=True, then=Value(0)),
                When(pk=thread.accepted_answer_id or 0, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            "created_at",
            "id",
        )
    )
    return qs


class ThreadReaderState(NamedTuple):
    watched: bool
    read_at: datetime | None  # the reader's read marker; None before their first visit
    voted: dict[int, int]  # their votes on the asked posts (post id: 1 up, -1 down)
    posts_seen: int = 0  # how many posts the thread had at their last visit


def thread_reader_state(*, user, thread_id: int, post_ids: Iterable[int] = ()) -> ThreadReaderState:
    """What a thread page shows one signed-in member of themselves, in one query: whether
    they watch the thread, their read marker, and their votes on `post_ids`."""
    # Plain SQL: every signed-in thread page runs this, and compiling the ORM's UNION of
    # three querysets took longer (~1.3 ms) than the database takes to answer it. The
    # first branch types the columns for PostgreSQL, which resolves a UNION left to right.
    branches = [
        "SELECT 0, read_at, CAST(NULL AS bigint), CAST(posts_seen AS bigint) FROM forums_threadread "
        "WHERE user_id = %s AND thread_id = %s",
        "SELECT 1, NULL, NULL, NULL FROM forums_watch WHERE user_id = %s AND thread_id = %s",
    ]
    params = [user.pk, thread_id, user.pk, thread_id]
    post_ids = sorted(post_ids)
    if post_ids:
        votes = f"SELECT 2, NULL, post_id, value FROM forums_vote WHERE user_id = %s AND post_id IN ({_list(post_ids)})"  # noqa: S608
        branches.append(votes)
        params += [user.pk, *post_ids]
    watched, read_at, posts_seen, voted = False, None, 0, {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        for kind, moment, post_id, value in cursor.fetchall():
            if kind == 0:
                read_at, posts_seen = _db_datetime(moment), value
            elif kind == 1:
                watched = True
            else:
                voted[post_id] = value
    return ThreadReaderState(watched, read_at, voted, posts_seen)


def read_markers(*, user, thread_ids: Iterable[int]) -> dict[int, datetime]:
    """A signed-in member's read markers for these threads (a topic list's read state)."""
    thread_ids = sorted(thread_ids)
    if not thread_ids:
        return {}
    # Plain SQL, as above: every signed-in topic list runs it.
    with connection.cursor() as cursor:
        where = f"user_id = %s AND thread_id IN ({_list(thread_ids)})"
        cursor.execute(f"SELECT thread_id, read_at FROM forums_threadread WHERE {where}", [user.pk, *thread_ids])  # noqa: S608
        return {thread_id: _db_datetime(moment) for thread_id, moment in cursor.fetchall()}


def _list(values) -> str:
    """Placeholders for an IN list: only "%s" is ever formatted into the SQL."""
    return ", ".join(["%s"] * len(values))


def _db_datetime(value) -> datetime:
    """A timestamp read with plain SQL: PostgreSQL gives an aware datetime; SQLite, UTC
    without a zone (text, or a naive datetime where the column's declared type shows)."""
    if not isinstance(value, datetime):
        value = DateTimeField().to_python(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def thread_is_watched(*, user, thread: Thread) -> bool:
    if not user.is_authenticated:
        return False
    if hasattr(thread, "watched"):  # read already (thread_reader_state)
        return thread.watched
    return thread.watches.filter(user=user).exists()


def post_page_number(*, post: Post) -> int:
    """Which page of its thread a post falls on (for links to a post)."""
    thread = post.thread
    if post.is_first or post.pk == thread.accepted_answer_id:
        return 1
    before = thread.posts.filter(Q(created_at__lt=post.created_at) | Q(created_at=post.created_at, id__lt=post.id))
    return before.count() // POSTS_PER_PAGE + 1
