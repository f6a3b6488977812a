"""Every read in the forums, scoped to the reader. Also the interfaces other apps use:
`thread_search` (docs search box), `error_help_url` (/v1 error bodies) and
`solved_threads_for_error_codes` (the usage page)."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    DateTimeField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from portal import cache_versions

from . import permissions
from .models import (
    Category,
    CategoryKind,
    ErrorAnswer,
    Flag,
    FlagStatus,
    ModerationAction,
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
    voted: frozenset[int]  # which of the asked posts they voted for


def thread_reader_state(*, user, thread_id: int, post_ids: Iterable[int] = ()) -> ThreadReaderState:
    """What a thread page shows one signed-in member of themselves, in one query: whether
    they watch the thread, their read marker, and which of `post_ids` they voted for."""
    # Plain SQL: every signed-in thread page runs this, and compiling the ORM's UNION of
    # three querysets took longer (~1.3 ms) than the database takes to answer it. The
    # first branch types the columns for PostgreSQL, which resolves a UNION left to right.
    branches = [
        "SELECT 0, read_at, CAST(NULL AS bigint) FROM forums_threadread WHERE user_id = %s AND thread_id = %s",
        "SELECT 1, NULL, NULL FROM forums_watch WHERE user_id = %s AND thread_id = %s",
    ]
    params = [user.pk, thread_id, user.pk, thread_id]
    post_ids = sorted(post_ids)
    if post_ids:
        votes = f"SELECT 2, NULL, post_id FROM forums_vote WHERE user_id = %s AND post_id IN ({_list(post_ids)})"  # noqa: S608
        branches.append(votes)
        params += [user.pk, *post_ids]
    watched, read_at, voted = False, None, set()
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        for kind, moment, post_id in cursor.fetchall():
            if kind == 0:
                read_at = _db_datetime(moment)
            elif kind == 1:
                watched = True
            else:
                voted.add(post_id)
    return ThreadReaderState(watched, read_at, frozenset(voted))


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


# --- Search ---------------------------------------------------------------------------------------


@dataclass
class SearchHit:
    thread: Thread
    snippet: str  # safe HTML: escaped text with <mark> around the matches
    rank: float

    @property
    def url(self) -> str:
        return self.thread.get_absolute_url()

    @property
    def title(self) -> str:
        return self.thread.title


# ts_headline marks matches with private-use characters (never typed by members, and
# escaped text cannot contain HTML), which become <mark> after escaping.
MARK_START, MARK_STOP = "\ue000", "\ue001"
HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=' … '"
)


def _tsquery_sql():
    return "websearch_to_tsquery('english', %s)"


def thread_search(*, query: str, limit: int = 10) -> list[SearchHit]:
    """Ranked visible threads matching the query, each with a highlighted snippet.

    PostgreSQL: a generated tsvector (title A, posts B), ranked with ts_rank_cd and solved
    threads first among equals, snippets from ts_headline. SQLite: every word must appear
    in the title or text; titles rank above bodies.
    """
    query = " ".join((query or "").split())[:200]
    if not query:
        return []
    base = Thread.objects.visible().select_related("category")
    if connection.vendor == "postgresql":
        # The query text always travels as a bound parameter; only constant SQL is formatted in.
        tsq = _tsquery_sql()
        rank = RawSQL(  # noqa: S611
            f"ts_rank_cd(forums_thread.search_vector, {tsq}, 32)", (query,)
        )
        qs = (
            base.extra(where=[f"forums_thread.search_vector @@ {tsq}"], params=[query])  # noqa: S610
            .annotate(rank=rank)
            .annotate(
                snippet=RawSQL(  # noqa: S611
                    f"ts_headline('english', left(forums_thread.search_text, 20000), {tsq}, %s)",
                    (query, HEADLINE_OPTIONS),
                )
            )
            .defer("search_text")
            .order_by("-rank", "-score", "-last_activity_at")[:limit]
        )
        return [SearchHit(thread=t, snippet=_mark(t.snippet), rank=float(t.rank)) for t in qs]
    words = [w for w in re.split(r"\W+", query) if w][:8]
    if not words:
        return []
    qs = base
    for word in words:
        qs = qs.filter(Q(title__icontains=word) | Q(search_text__icontains=word))
    title_hits = sum(
        (Case(When(title__icontains=w, then=Value(2)), default=Value(0), output_field=IntegerField()) for w in words),
        Value(0),
    )
    qs = qs.annotate(rank=title_hits).order_by("-rank", "-score", "-last_activity_at")[:limit]
    return [SearchHit(thread=t, snippet=_python_snippet(t.search_text, words), rank=float(t.rank)) for t in qs]


def _mark(headline: str) -> str:
    escaped = html.escape(headline)
    return escaped.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")


def _python_snippet(text: str, words: list[str], width: int = 160) -> str:
    lowered = text.lower()
    positions = [lowered.find(w.lower()) for w in words if lowered.find(w.lower()) >= 0]
    start = max(min(positions) - width // 3, 0) if positions else 0
    fragment = text[start : start + width]
    escaped = html.escape(fragment)
    for word in sorted(set(words), key=len, reverse=True):
        escaped = re.sub(f"({re.escape(html.escape(word))})", r"<mark>\1</mark>", escaped, flags=re.IGNORECASE)
    return ("… " if start else "") + escaped + (" …" if start + width < len(text) else "")


def similar_threads(*, title: str, limit: int = 5) -> list[SearchHit]:
    """Threads like a title being typed: any of its meaningful words (OR), best first."""
    words = [w for w in re.split(r"\W+", title or "") if len(w) > 2][:12]
    if not words:
        return []
    return thread_search(query=" or ".join(words) if connection.vendor == "postgresql" else words[0], limit=limit)


# --- Errors meet answers --------------------------------------------------------------------------


def _solved_for_code(code: str | None):
    qs = (
        Thread.objects.visible()
        .filter(
            accepted_answer__isnull=False,
            category__kind=CategoryKind.QA,
            accepted_answer__is_hidden=False,
            accepted_answer__is_deleted=False,
        )
        .select_related("accepted_answer")
        .defer("search_text")
        .order_by("-accepted_answer__score", "-score", "-last_activity_at")
    )
    return qs if code is None else qs.filter(error_code=code)


def error_answer_digest(post: Post) -> str:
    """What staff verify of an answer: the body readers see, exactly."""
    return hashlib.sha256(post.body_html.encode()).hexdigest()


def error_help_url(*, code: str) -> str | None:
    """Absolute URL of the answer staff verified for a /v1 error code, or None.

    Only staff choose it (:class:`ErrorAnswer`); the link lapses as soon as the answer is
    edited, hidden or deleted, or its thread is, so no member can change what other
    members' errors link to. Cached under a generation that every forum write and every
    verification moves (see :mod:`.signals`): /v1 error bodies call this on every error.
    """
    if not code or len(code) > 64:
        return None

    def lookup() -> str:
        answer = (
            ErrorAnswer.objects.filter(
                error_code=code,
                post__is_hidden=False,
                post__is_deleted=False,
                post__thread__in=Thread.objects.visible(),
            )
            .select_related("post__thread")
            .first()
        )
        if answer is None or error_answer_digest(answer.post) != answer.body_digest:
            return ""
        return f"{settings.SITE_URL}{answer.post.thread.get_absolute_url()}#post-{answer.post_id}"

    from . import pagecache

    url = cache_versions.get_or_compute(
        f"forums:error_help_url:v2:{code}", pagecache.generation_keys(pagecache.ERROR_ANSWERS), lookup, 300
    )
    return url or None


def error_answer_for_thread(*, thread: Thread) -> ErrorAnswer | None:
    """The verification that links the thread's error code to one of its posts, if any."""
    if not thread.error_code:
        return None
    return ErrorAnswer.objects.filter(error_code=thread.error_code, post__thread=thread).first()


def solved_threads_for_error_codes(*, codes, per_code: int = 3) -> dict[str, list[Thread]]:
    """For each error code, up to `per_code` solved Q&A threads linked to it (best first)."""
    codes = [c for c in dict.fromkeys(codes) if c]
    result: dict[str, list[Thread]] = {code: [] for code in codes}
    if not codes:
        return result
    qs = _solved_for_code(None).filter(error_code__in=codes).select_related("category")
    for thread in qs[: per_code * len(codes) * 4]:
        if len(result[thread.error_code]) < per_code:
            result[thread.error_code].append(thread)
    return result


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
