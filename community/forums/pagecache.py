"""The reading pages' main blocks, rendered once and shared by every reader.

A topic list's rows and a thread's page of posts cost most of a forum request: the
queries, the model instances and the templates. Each is rendered once into a block of
HTML that every reader shares, cached in Redis under the generations of what it shows:

- ``all``: categories, tags and member names, shown everywhere;
- ``lists``: any thread's title, counts, activity, status or tags;
- ``thread:<id>``: that thread and its posts (bodies, votes, edits, moderation).

A write changes the generations it touches (:func:`changed`), both at once and again
when its transaction commits, so no reader can cache the state before the commit under
the new generation. Model signals catch saves and deletes (the admin's too) and the
forum querysets' ``update()`` catches bulk writes (see :mod:`.signals`). Blocks also
expire after ``BLOCK_TTL`` seconds, which keeps "5 minutes ago" honest.

What differs per reader never enters a block. Its templates leave markers, HTML
comments carrying a tag derived from the SECRET_KEY (:func:`fragments.marker_tag`), so
member content cannot forge one, that :func:`personalize` fills for each request: a
row's read state, a post's vote button, the controls shown only on one's own posts (or
only on others'), and the CSRF token.
What depends on the reader's role (signed in, moderator, may accept or reply) is part
of the block's key instead.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TypeVar

from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from portal import cache_versions

from .fragments import csrf_placeholder, marker_tag

T = TypeVar("T")

BLOCK_TTL = 60
KEY_PREFIX = "forums:block:v1"
GENERATION_PREFIX = "forums:gen"
# Query parameters a reading page understands; any other keeps its page out of the cache
# (so odd URLs cannot fill it).
CACHEABLE_PARAMS = frozenset({"sort", "period", "tag", "page", "quote"})


# --- Generations ------------------------------------------------------------------------------------


# What /v1 error bodies link to (``selectors.error_help_url``): any post or thread write
# may lapse a verified answer, so every write moves this scope too.
ERROR_ANSWERS = "error-answers"


def generation_keys(*scopes: str) -> list[str]:
    return [f"{GENERATION_PREFIX}:{scope}" for scope in scopes]


def changed(*scopes: str) -> None:
    """Mark what a write changed ("all", "lists", "thread:<id>")."""
    cache_versions.move(*generation_keys(*scopes))


def thread_scope(thread_id: int) -> str:
    return f"thread:{thread_id}"


def threads_changed(thread_ids: Iterable[int]) -> None:
    """Mark a write to these threads or their posts: the lists, each thread, and the
    verified error answers (an edit, hide or delete may lapse one)."""
    changed("lists", ERROR_ANSWERS, *map(thread_scope, thread_ids))


# --- Blocks -------------------------------------------------------------------------------------------


def cacheable(request) -> bool:
    return request.method == "GET" and all(
        name in CACHEABLE_PARAMS and len(request.GET[name]) <= 64 for name in request.GET
    )


def block(request, *, name: str, scopes: Iterable[str], vary: tuple, render: Callable[[], T]) -> T:
    """The block `name` for this request, from the cache when its generations still hold.

    `render()` builds it from the database (HTML with markers, see :func:`render_context`,
    or a dict of such parts); `vary` holds whatever else it depends on (filters, page,
    the reader's role).
    """
    if not cacheable(request):
        return render()
    version_keys = generation_keys("all", *scopes)
    parts = (
        name,
        marker_tag(),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        sorted(request.GET.items()),
        vary,
    )
    key = f"{KEY_PREFIX}:{name}:{hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()}"
    return cache_versions.get_or_compute(key, version_keys, render, BLOCK_TTL)


def thread_for_reader(*, user, pk: int):
    """The thread a reading page shows, as :func:`selectors.thread_get_for_user` gives it,
    from the cache while its generations hold (with the block, it spares a page its
    heaviest query). Only threads everyone may see are served from here; hidden, deleted,
    merged and missing ones take the database path, which answers 404, redirects, or shows
    a moderator the hidden thread."""
    from . import selectors
    from .models import Thread

    def visible():
        return Thread.objects.visible().select_related("category").defer("search_text").filter(pk=pk).first()

    version_keys = generation_keys("all", thread_scope(pk))
    thread = cache_versions.get_or_compute(f"{KEY_PREFIX}:thread:{pk}", version_keys, visible, BLOCK_TTL)
    return thread if thread is not None else selectors.thread_get_for_user(user=user, pk=pk)


def render_context() -> dict:
    """What a block's templates render with: markers on, the CSRF token left to fill."""
    return {"forum_markers": marker_tag(), "csrf_token": csrf_placeholder()}


# --- Markers ------------------------------------------------------------------------------------------

# With TAG the deployment's marker tag (`fragments.marker_tag`, which starts with "-"):
# <!--fcTAG:read:THREAD:ACTIVITY--> and <!--fcTAG:unread:...-->: a topic-list row's read
# state (ACTIVITY: the thread's last activity in microseconds since the epoch);
# <!--fcTAG:vote:POST:AUTHOR--> and <!--fcTAG:down:POST:AUTHOR-->: the attributes of a
# post's upvote and downvote buttons;
# <!--fcTAG:own:AUTHOR-->...<!--/fcTAG--> and <!--fcTAG:others:AUTHOR-->...<!--/fcTAG-->:
# shown only to that author, or to everyone else.


@functools.lru_cache(maxsize=4)
def _patterns(tag: str) -> tuple[re.Pattern, re.Pattern]:
    tag = re.escape(tag)
    return (
        re.compile(rf"<!--fc{tag}:(own|others):(\d+)-->(.*?)<!--/fc{tag}-->", re.DOTALL),
        re.compile(rf"<!--fc{tag}:(read|unread|vote|down):(\d+):(\d+)-->"),
    )


def activity_stamp(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def vote_targets(*htmls: str) -> set[int]:
    """The posts whose vote buttons these blocks hold (for :func:`personalize`'s `voted`)."""
    atom = _patterns(marker_tag())[1]
    return {int(pk) for html in htmls for kind, pk, _other in atom.findall(html) if kind == "vote"}


def personalize(html: str, *, request, voted: Mapping[int, int] | None = None) -> str:
    """Fill a page's markers for this reader: one query for read states, one for votes
    unless the caller read them already (`voted`: post id to this reader's vote, 1 or -1)."""
    user = request.user
    me = user.pk if user.is_authenticated else None
    tag = marker_tag()
    if f"<!--fc{tag}:" in html:
        segment, atom = _patterns(tag)
        html = segment.sub(lambda m: m[3] if (int(m[2]) == me) == (m[1] == "own") else "", html)
        atoms = atom.findall(html)
        read = _read_state(user, atoms)
        if voted is None:
            voted = _voted(user, atoms)
        vote_attributes = {}
        privileges = []

        def may_down() -> bool:
            if not privileges:  # read once a page, only if it shows a downvote button
                from community.trust.selectors import privileges_of

                privileges.append(privileges_of(user=user).can_downvote)
            return privileges[0]

        badges = {
            state: format_html('<span class="badge text-bg-primary">{}</span>', label)
            for state, label in (("new", _("New")), ("updated", _("Updated")))
        }

        def fill(match) -> str:
            kind, pk, other = match[1], int(match[2]), int(match[3])
            if kind in ("vote", "down"):
                direction = 1 if kind == "vote" else -1
                own = me is None or other == me
                state = (direction, voted.get(pk) == direction, own, direction == -1 and not own and not may_down())
                if state not in vote_attributes:
                    vote_attributes[state] = _vote_attributes(*state)
                return vote_attributes[state]
            if me is None:
                return ""
            seen = read.get(pk)
            is_read = seen is not None and activity_stamp(seen) >= other
            if kind == "read":
                return " is-read" if is_read else ""
            if is_read:
                return ""
            return badges["updated" if seen is not None else "new"]

        html = atom.sub(fill, html)
    placeholder = csrf_placeholder()
    if placeholder in html:
        html = html.replace(placeholder, csrf_token(request))
    return html


def csrf_token(request) -> str:
    """The request's CSRF token, masked once for the whole page (its blocks and the page
    around them): Django masks the secret anew on every ``get_token()``, 32 draws from the
    OS's random source each."""
    if not hasattr(request, "_page_csrf_token"):
        request._page_csrf_token = get_token(request)
    return request._page_csrf_token


def _read_state(user, atoms) -> dict[int, datetime]:
    from .selectors import read_markers

    if not user.is_authenticated:
        return {}
    return read_markers(user=user, thread_ids={int(pk) for kind, pk, _other in atoms if kind in ("read", "unread")})


def _voted(user, atoms) -> dict[int, int]:
    from .models import Vote

    post_ids = {int(pk) for kind, pk, _other in atoms if kind == "vote"}
    if not user.is_authenticated or not post_ids:
        return {}
    return dict(Vote.objects.filter(user=user, post_id__in=post_ids).values_list("post_id", "value"))


def _vote_attributes(direction: int, voted: bool, own: bool, needs_level: bool) -> str:
    """A vote button's attributes: pressed when it is the reader's vote; disabled, saying
    why, on their own post or when their trust level may not downvote."""
    attributes = format_html(
        'class="btn btn-sm {}" aria-pressed="{}"',
        ("btn-primary" if direction > 0 else "btn-secondary")
        if voted
        else ("btn-outline-primary" if direction > 0 else "btn-outline-secondary"),
        "true" if voted else "false",
    )
    if own:
        attributes += format_html(' disabled title="{}"', _("You cannot vote for your own post"))
    elif needs_level:
        from community.trust.selectors import privilege_level

        message = _("Downvoting needs trust level %(level)s.") % {"level": privilege_level("downvote").label}
        attributes += format_html(' disabled title="{}"', message)
    return attributes
