"""/v1 errors meet answers: the answer staff verified for an error code (help_url)
and the solved threads linked to error codes."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db.models import F

from portal import cache_versions

from ..models import (
    CategoryKind,
    ErrorAnswer,
    Post,
    Thread,
)

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
    """What staff verify when they verify an answer: what the linked page shows around it
    (the thread's title, its question, that the thread is locked, which reply is accepted)
    and the reply's body, exactly as readers see them."""
    thread = post.thread
    question = thread.posts.filter(is_first=True).values_list("body_html", flat=True).first() or ""
    parts = [thread.title, question, str(thread.is_locked), str(thread.accepted_answer_id), post.body_html]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def error_answers_verified() -> dict[str, dict]:
    """``{code: {"url", "title"}}``: for each /v1 error code, the answer staff verified,
    while its page still reads as they verified it. ``url`` is the site's own path (the
    /v1 error bodies prefix ``SITE_URL``: :func:`error_help_url`).

    Only staff choose it (:class:`ErrorAnswer`); the link lapses as soon as the page it
    opens changes from what staff verified (an edit of the answer, the question or the
    title, a hide, delete or merge, another accepted answer, an unlock), so neither a
    member nor a moderator can change what other members' errors link to. One cached
    value for every code, under a generation that every forum write and every
    verification moves (see :mod:`.signals`): /v1 error bodies read it on every error.
    """

    def lookup() -> dict[str, dict]:
        answers = (
            ErrorAnswer.objects.filter(
                post__is_hidden=False,
                post__is_deleted=False,
                post__is_first=False,
                # Still in the thread staff verified (a merge moves posts), still about this code.
                post__thread=F("thread"),
                thread__error_code=F("error_code"),
                thread__in=Thread.objects.visible(),
            )
            .select_related("post__thread")
            .order_by("error_code")
        )
        return {
            answer.error_code: {
                "url": f"{answer.post.thread.get_absolute_url()}#post-{answer.post_id}",
                "title": answer.post.thread.title,
            }
            for answer in answers
            if error_answer_digest(answer.post) == answer.body_digest
        }

    from .. import pagecache

    return cache_versions.get_or_compute(
        "forums:error_answers:v2", pagecache.generation_keys(pagecache.ERROR_ANSWERS), lookup, 300
    )


def error_help_url(*, code: str) -> str | None:
    """Absolute URL of the answer staff verified for a /v1 error code, or None (one cached
    read: :func:`error_answers_verified`)."""
    if not code or len(code) > 64:
        return None
    answer = error_answers_verified().get(code)
    return f"{settings.SITE_URL.rstrip('/')}{answer['url']}" if answer else None


def error_answer_links(*, codes, per_code: int = 3) -> dict[str, list[dict]]:
    """For each error code, where the community answered it: the answer staff verified
    first (``verified``), then other solved Q&A threads linked to the code, at most
    ``per_code`` links. Each link is ``{"title", "url", "verified"}``, ``url`` a path of the site."""
    codes = [c for c in dict.fromkeys(codes) if c]
    verified = error_answers_verified()
    links: dict[str, list[dict]] = {code: [] for code in codes}
    for code in codes:
        if code in verified:
            links[code].append({**verified[code], "verified": True})
    for code, threads in solved_threads_for_error_codes(codes=codes, per_code=per_code).items():
        for thread in threads:
            url = thread.get_absolute_url()
            if len(links[code]) < per_code and not any(link["url"].startswith(url + "#") for link in links[code]):
                links[code].append({"title": thread.title, "url": url, "verified": False})
    return links


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
