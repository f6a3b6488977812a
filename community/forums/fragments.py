"""Rendered HTML of posts and topic-list rows, cached in Redis by what they show.

A thread page is 30 posts and a topic list 30 rows, and rendering them through the
template engine costs most of a page's CPU. Each fragment is cached under a key that
digests every value its template reads (the post's fields and body, the author's name
and handle, the shown time, the category, the tags) together with the reader's role
(signed in, moderator, may accept, may reply) and the active language and time zone;
what differs between readers of one role is left as markers (see pagecache.py). Any
edit, vote, accept, hide, restore, delete, rename or lock therefore changes the key and
shows at once: no invalidation to forget. Entries nobody asks for again expire.

The CSRF token differs per request, so fragments are rendered with a placeholder that
is swapped for the request's token when the page is personalized. The placeholder and
every marker carry :func:`marker_tag`, a value derived from the SECRET_KEY that never
reaches a browser (personalizing replaces every marker), so no member content, however
it is escaped or sanitized, can forge one: a post that spells a marker out is just text.
"""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.cache import cache
from django.template import Context
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe

KEY_PREFIX = "forums:fragment:v1"
TIMEOUT = 24 * 3600


def marker_tag() -> str:
    """The secret part of this deployment's markers (see the module docstring)."""
    return _marker_tag(settings.SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _marker_tag(secret_key: str) -> str:
    return "-" + salted_hmac("community.forums.markers", "v1", secret=secret_key).hexdigest()[:24]


def csrf_placeholder() -> str:
    """What `{% csrf_token %}` writes in a cached fragment or block."""
    return f"\ue0f0csrf{marker_tag()}\ue0f1"


def _author_parts(user) -> tuple:
    """Everything `accounts/_author_link.html` shows of an author."""
    if user is None:
        return (None,)
    profile = getattr(user, "profile", None)
    if profile is None:
        return (user.pk, None)
    return (user.pk, user.is_active, profile.handle, profile.display_name)


def _key(kind: str, parts: tuple) -> str:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"{KEY_PREFIX}:{kind}:{digest}"


def _environment() -> tuple:
    # The marker tag too: fragments rendered under another SECRET_KEY hold markers nobody fills.
    return (translation.get_language(), timezone.get_current_timezone_name(), marker_tag())


def post_fragment_parts(*, post, context) -> tuple:
    """The values `forums/_post.html` reads for this post and this reader."""
    user = context["user"]
    thread = context["thread"]
    can_moderate = bool(context.get("can_moderate"))
    return (
        post.pk,
        post.thread_id,
        post.is_first,
        post.is_staff_reply,
        post.pk == thread.accepted_answer_id,
        _author_parts(post.author),
        post.created_at.isoformat(),
        naturaltime(post.created_at),
        post.edited_at is not None,
        post.edit_count,
        post.is_hidden,
        post.hidden_reason,
        post.hidden_as_spam,
        post.is_deleted,
        post.is_wiki,
        hashlib.blake2b(post.body_html.encode(), digest_size=16).digest(),
        post.score,
        bool(context["category"].has_votes),
        thread.is_locked,
        user.is_authenticated,
        can_moderate,
        bool(context.get("can_accept")),
        bool(context.get("can_reply")),
        can_moderate and user.has_perm("forums.suspend_user"),
        bool(context.get("can_edit_wiki")),
        bool(context.get("can_make_wiki")),
    )


def thread_row_parts(*, thread, context) -> tuple:
    """The values `forums/_thread_row.html` reads for this thread (the reader's read state
    is a marker, filled per request: see pagecache.py)."""
    category = thread.category
    return (
        thread.pk,
        thread.slug,
        thread.title,
        thread.score,
        thread.reply_count,
        thread.accepted_answer_id is not None,
        thread.is_pinned,
        thread.is_locked,
        thread.idea_status,
        thread.error_code,
        getattr(thread, "bounty_amount", None),
        (category.pk, category.slug, category.name, category.color),
        tuple(thread.tag_links),
        _author_parts(thread.last_poster),
        thread.last_activity_at.isoformat(),
        naturaltime(thread.last_activity_at),
    )


def render_cached(*, context: Context, template_name: str, name: str, items, parts) -> str:
    """Render `template_name` once per item (bound to `name`), each from the cache when it can.

    `parts(item)` returns the values the template reads; they make the cache key.
    """
    items = list(items)
    if not items:
        return ""
    env = _environment()
    keys = [_key(template_name, (env, parts(item))) for item in items]
    cached = cache.get_many(keys)
    missing = {}
    template = context.template.engine.get_template(template_name)
    out = []
    for key, item in zip(keys, items, strict=True):
        html = cached.get(key)
        if html is None:
            with context.push({name: item, "csrf_token": csrf_placeholder(), "forum_markers": marker_tag()}):
                html = str(template.render(context))
            missing[key] = html
        out.append(html)
    if missing:
        cache.set_many(missing, TIMEOUT)
    # Markers and the CSRF placeholder stay: pagecache.personalize fills them per reader.
    return mark_safe("".join(out))  # noqa: S308 - rendered by our own autoescaping templates
