"""Reads of the showcase, scoped to the reader. Also what other apps use: ``entry_get``,
``entry_url``, ``entries_by`` (a member's published entries) and ``entry_vote_counts``."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404

from community.forums.selectors import thread_for_notice
from sandbox.usage.selectors import month_start, successful_calls_by_model

from .models import Entry, Screenshot, Tag, Vote


class Sort:
    NEW = "new"
    TOP = "top"
    FEATURED = "featured"
    ALL = (NEW, TOP, FEATURED)


ENTRIES_PER_PAGE = 24


def can_manage(user) -> bool:
    """Community managers: staff who may change showcase entries."""
    return bool(user.is_authenticated and user.is_staff and user.has_perm("showcase.change_entry"))


def entry_get(*, entry_id: int) -> Entry:
    """Any entry by id, hidden ones included (callers decide what to show); 404 if none."""
    entry = Entry.objects.select_related("author").filter(pk=entry_id).first()
    if entry is None:
        raise Http404("No such showcase entry")
    return entry


def entry_get_for_viewer(*, viewer, slug: str) -> Entry:
    """A published entry; a hidden one only for its author and managers; 404 otherwise."""
    entry = Entry.objects.select_related("author", "author__profile").filter(slug=slug).first()
    if entry is None or entry.published_at is None:
        raise Http404("No such showcase entry")
    if entry.is_hidden and not (viewer.is_authenticated and (viewer.pk == entry.author_id or can_manage(viewer))):
        raise Http404("No such showcase entry")
    return entry


def entry_get_for_editor(*, user, slug: str) -> Entry:
    """The author's own entry (hidden or not); 404 for anyone else's."""
    entry = Entry.objects.filter(slug=slug, author_id=user.pk).first()
    if entry is None:
        raise Http404("No such showcase entry")
    return entry


def entry_url(entry: Entry) -> str:
    return entry.get_absolute_url()


def entries_by(*, user_id: int, start: datetime | None = None, end: datetime | None = None) -> list[Entry]:
    """A member's published, visible entries, newest first; published in [start, end) if given."""
    entries = Entry.objects.published().filter(author_id=user_id)
    if start is not None:
        entries = entries.filter(published_at__gte=start)
    if end is not None:
        entries = entries.filter(published_at__lt=end)
    return list(entries.order_by("-published_at", "-pk"))


def entry_vote_counts(*, entry_ids) -> dict[int, int]:
    """{entry id: votes} for these entries (0 for an entry without votes)."""
    ids = list(entry_ids)
    return dict(Entry.objects.filter(pk__in=ids).values_list("pk", "vote_count"))


def entries_gallery(*, sort: str = Sort.NEW, tag: str = ""):
    """Published entries in gallery order: new, top (votes) or featured (featured only, latest first)."""
    entries = Entry.objects.published().select_related("author", "author__profile").prefetch_related("tags")
    if tag:
        entries = entries.filter(tags__slug=tag)
    if sort == Sort.TOP:
        return entries.order_by("-vote_count", "-published_at", "-pk")
    if sort == Sort.FEATURED:
        return entries.filter(featured_at__isnull=False).order_by("-featured_at", "-pk")
    return entries.order_by("-published_at", "-pk")


def first_screenshots(*, entry_ids) -> dict[int, Screenshot]:
    """Each entry's first screenshot (the gallery's thumbnails), in one query."""
    shots: dict[int, Screenshot] = {}
    for shot in Screenshot.objects.filter(entry_id__in=list(entry_ids)).order_by("entry_id", "position", "pk"):
        shots.setdefault(shot.entry_id, shot)
    return shots


def screenshot_get_for_viewer(*, viewer, token: str) -> Screenshot:
    """A screenshot of an entry the viewer may see; 404 otherwise."""
    shot = Screenshot.objects.select_related("entry").filter(token=token).first()
    if shot is None:
        raise Http404("No such screenshot")
    entry = shot.entry
    visible = entry.published_at is not None and not entry.is_hidden
    if not visible and not (viewer.is_authenticated and (viewer.pk == entry.author_id or can_manage(viewer))):
        raise Http404("No such screenshot")
    return shot


def tags_in_use() -> list[Tag]:
    """Tags of published entries, for the gallery's filter."""
    return list(
        Tag.objects.filter(entries__published_at__isnull=False, entries__is_hidden=False).distinct().order_by("name")
    )


def voted_entry_ids(*, user, entry_ids) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Vote.objects.filter(user=user, entry_id__in=list(entry_ids)).values_list("entry_id", flat=True))


def entry_verified_usage(*, entry: Entry, now: datetime | None = None) -> list[tuple[str, int]]:
    """[(model id, successful API calls this calendar month (UTC))] of the entry's author with
    each of the entry's models, from the usage records; empty unless the author opted in."""
    if not entry.verified_usage or not entry.model_ids:
        return []
    counts = successful_calls_by_model(user_id=entry.author_id, model_ids=entry.model_ids, since=month_start(now))
    return list(counts.items())


def entry_thread(entry: Entry) -> dict | None:
    """The entry's comment thread: {"url", "replies"}, or None when it has none (no Showcase
    category when it was published, or the thread was removed in the forums)."""
    if entry.thread_id is None:
        return None
    thread = thread_for_notice(pk=entry.thread_id)
    if thread is None or getattr(thread, "is_deleted", False):
        return None
    return {"url": thread.get_absolute_url(), "replies": thread.reply_count}
