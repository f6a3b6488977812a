"""Publishing apps to the showcase, voting on them, featuring and hiding them.

An entry is published with its comment thread: the thread is started in the forums'
Showcase category (``community.forums.services.thread_create``) in the same transaction,
so an entry whose thread the forums refuse (a suspended author, posting too fast) is not
published either and the author sees why. Each write ends by recording its activity;
points come from this app's handlers (``handlers.py``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community.activity.services import activity_record
from community.forums.selectors import category_of_kind
from community.forums.services import thread_create
from portal import cache_versions
from portal.accounts.profile_sections import profile_version_key
from portal.markdown import MEMBER, render_markdown
from sandbox.registry.selectors import hosted_models_visible

from .images import MAX_SCREENSHOTS, screenshot_check
from .models import Entry, Screenshot, Tag, Vote
from .selectors import can_manage

MAX_MODELS = 5
MAX_TAGS = 5
SHOWCASE_CATEGORY_KIND = "showcase"
RESERVED_SLUGS = {"new", "screenshots"}  # the gallery's own pages
_http_url = URLValidator(schemes=["http", "https"])


def _clean_url(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        _http_url(value)
    except ValidationError as exc:
        raise ValidationError({field: _("Enter an http:// or https:// address.")}, code="url") from exc
    return value


def _clean_models(*, author, model_ids: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(str(m).strip() for m in model_ids if str(m).strip()))
    if len(chosen) > MAX_MODELS:
        raise ValidationError({"models": _("Choose at most %(n)s models.") % {"n": MAX_MODELS}}, code="models")
    available = set(hosted_models_visible(user=author).filter(model_id__in=chosen).values_list("model_id", flat=True))
    unknown = [m for m in chosen if m not in available]
    if unknown:
        raise ValidationError(
            {"models": _("Unknown model: %(model)s.") % {"model": ", ".join(unknown)}}, code="unknown_model"
        )
    return chosen


def _clean_tags(names: Iterable[str]) -> list[tuple[str, str]]:
    """[(name, slug)] of the submitted tags, lower-cased, without duplicates."""
    tags: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).strip().lower().split())[:30]
        slug = slugify(name)[:30]
        if slug and slug not in tags:
            tags[slug] = name
    if len(tags) > MAX_TAGS:
        raise ValidationError({"tags": _("Use at most %(n)s tags.") % {"n": MAX_TAGS}}, code="tags")
    return [(name, slug) for slug, name in tags.items()]


def _set_tags(entry: Entry, tags: list[tuple[str, str]]) -> None:
    rows = []
    for name, slug in tags:
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(name=name, slug=slug)
            except IntegrityError:  # another author created it just now, or the name differs by spacing
                tag = Tag.objects.filter(slug=slug).first() or Tag.objects.get(name=name)
        rows.append(tag)
    entry.tags.set(rows)


def _unique_slug(title: str) -> str:
    base = slugify(title)[:100] or "app"
    if base not in RESERVED_SLUGS and not Entry.objects.filter(slug=base).exists():
        return base
    return f"{base}-{secrets.token_hex(3)}"


def _add_screenshots(entry: Entry, files) -> None:
    files = list(files or ())
    if entry.screenshots.count() + len(files) > MAX_SCREENSHOTS:
        raise ValidationError(
            {"screenshots": _("An entry can have at most %(n)s screenshots.") % {"n": MAX_SCREENSHOTS}},
            code="screenshots",
        )
    position = entry.screenshots.count()
    for file in files:
        try:
            checked = screenshot_check(file)
        except ValidationError as exc:
            raise ValidationError({"screenshots": exc.messages}, code=exc.code) from exc
        shot = Screenshot(
            entry=entry,
            token=checked.token,
            content_type=checked.content_type,
            extension=checked.extension,
            width=checked.width,
            height=checked.height,
            size=checked.content.size,
            position=position,
        )
        shot.image.save(checked.content.name, checked.content, save=False)
        shot.full_clean()
        shot.save()
        position += 1


def _profile_changed(user_id: int) -> None:
    # The author's profile lists their entries: visitors see the change at once.
    transaction.on_commit(lambda: cache_versions.move(profile_version_key(user_id)))


def _apply(entry: Entry, *, title, tagline, description, url, repository_url, verified_usage) -> None:
    entry.title = (title or "").strip()
    entry.tagline = (tagline or "").strip()
    entry.description = description or ""
    entry.description_html = render_markdown(entry.description, profile=MEMBER).html
    entry.url = _clean_url(url, "url")
    entry.repository_url = _clean_url(repository_url, "repository_url")
    entry.verified_usage = bool(verified_usage)


def _thread_body(entry: Entry) -> str:
    lines = [f"**{entry.title}**: {entry.tagline}", "", entry.description[:2000]]
    return "\n".join(lines).strip()


@transaction.atomic
def entry_create(
    *,
    author,
    title: str,
    tagline: str,
    description: str,
    url: str = "",
    repository_url: str = "",
    models: Iterable[str] = (),
    tags: Iterable[str] = (),
    screenshots=(),
    hackathon: str | None = None,
    verified_usage: bool = False,
) -> Entry:
    """Publish an entry with its screenshots, tags and comment thread (ValidationError:
    what is wrong with the input; PermissionDenied: the forums refuse the author's post).
    ``hackathon`` is a label the entry shows (the hackathon's title)."""
    now = timezone.now()
    entry = Entry(author=author, created_at=now, published_at=now, updated_at=now, hackathon=(hackathon or "")[:200])
    _apply(
        entry,
        title=title,
        tagline=tagline,
        description=description,
        url=url,
        repository_url=repository_url,
        verified_usage=verified_usage,
    )
    entry.model_ids = _clean_models(author=author, model_ids=models)
    tag_list = _clean_tags(tags)
    entry.slug = _unique_slug(entry.title)
    entry.full_clean()
    entry.save()
    _set_tags(entry, tag_list)
    _add_screenshots(entry, screenshots)
    category = category_of_kind(kind=SHOWCASE_CATEGORY_KIND)
    if category is not None:
        thread = thread_create(author=author, category=category, title=entry.title[:200], body=_thread_body(entry))
        entry.thread_id = thread.pk
        entry.save(update_fields=["thread_id"])
    _profile_changed(author.pk)
    activity_record(
        actor=author,
        verb="showcase.entry.published",
        target=entry,
        properties={"entry": entry.pk, "models": entry.model_ids, "tags": [slug for _name, slug in tag_list]},
        dedupe_key=f"showcase.entry.published:{entry.pk}",
    )
    return entry


@transaction.atomic
def entry_edit(
    *,
    editor,
    entry: Entry,
    title: str,
    tagline: str,
    description: str,
    url: str = "",
    repository_url: str = "",
    models: Iterable[str] = (),
    tags: Iterable[str] = (),
    verified_usage: bool = False,
    screenshots_add=(),
    screenshots_remove: Iterable[int] = (),
) -> Entry:
    """The author edits their entry (nobody else: managers hide or delete instead)."""
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if editor.pk != entry.author_id:
        raise PermissionDenied(_("Only the author can edit this entry."))
    _apply(
        entry,
        title=title,
        tagline=tagline,
        description=description,
        url=url,
        repository_url=repository_url,
        verified_usage=verified_usage,
    )
    entry.model_ids = _clean_models(author=entry.author, model_ids=models)
    tag_list = _clean_tags(tags)
    entry.updated_at = timezone.now()
    entry.full_clean()
    entry.save()
    _set_tags(entry, tag_list)
    removed = [int(pk) for pk in screenshots_remove]
    for shot in entry.screenshots.filter(pk__in=removed):
        image = shot.image
        shot.delete()
        transaction.on_commit(lambda image=image: image.delete(save=False))
    _add_screenshots(entry, screenshots_add)
    _profile_changed(entry.author_id)
    return entry


def _check_author_or_manager(actor, entry: Entry) -> None:
    if actor.pk != entry.author_id and not can_manage(actor):
        raise PermissionDenied(_("Only the author or a community manager can do this."))


@transaction.atomic
def entry_hide(*, actor, entry: Entry, hidden: bool = True) -> Entry:
    """Hide an entry from the gallery and profile (its author or a manager), or show it again.
    An entry a manager hid can be shown again only by a manager."""
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    _check_author_or_manager(actor, entry)
    if not hidden and entry.hidden_by_id and entry.hidden_by_id != entry.author_id and not can_manage(actor):
        raise PermissionDenied(_("A community manager hid this entry."))
    entry.is_hidden = hidden
    entry.hidden_by = actor if hidden else None
    entry.updated_at = timezone.now()
    entry.save(update_fields=["is_hidden", "hidden_by", "updated_at"])
    _profile_changed(entry.author_id)
    return entry


@transaction.atomic
def entry_delete(*, actor, entry: Entry) -> None:
    """Delete an entry with its screenshots and votes (its author or a manager). The forum
    thread stays: its comments are members' posts, moderated in the forums."""
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    _check_author_or_manager(actor, entry)
    images = [shot.image for shot in entry.screenshots.all()]
    author_id = entry.author_id
    entry.delete()
    transaction.on_commit(lambda: [image.delete(save=False) for image in images])
    _profile_changed(author_id)


@transaction.atomic
def entry_vote(*, user, entry: Entry, up: bool | None = None) -> tuple[bool, int]:
    """Vote for an entry, or withdraw the vote: ``up`` None toggles, True votes, False
    withdraws. Returns (voted now, the entry's votes). Not on your own entry, nor on a
    hidden or unpublished one."""
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if entry.author_id == user.pk:
        raise PermissionDenied(_("You cannot vote for your own entry."))
    if entry.is_hidden or entry.published_at is None:
        raise PermissionDenied(_("This entry is not open for votes."))
    existing = Vote.objects.filter(entry=entry, user=user).first()
    want = existing is None if up is None else up
    if want == (existing is not None):
        return want, entry.vote_count
    if want:
        Vote.objects.create(entry=entry, user=user)
        Entry.objects.filter(pk=entry.pk).update(vote_count=F("vote_count") + 1)
    else:
        existing.delete()
        Entry.objects.filter(pk=entry.pk).update(vote_count=F("vote_count") - 1)
    entry.refresh_from_db(fields=["vote_count"])
    activity_record(
        actor=user,
        verb="showcase.entry.voted",
        target=entry,
        properties={
            "entry": entry.pk,
            "entry_author": entry.author_id,
            "value": 1 if want else -1,
            "withdrawn": not want,
        },
    )
    return want, entry.vote_count


@transaction.atomic
def entry_feature(*, actor, entry: Entry, featured: bool = True) -> Entry:
    """A manager features an entry in the gallery (or takes it off). The featuring is
    recorded once per entry: featuring it again after taking it off earns nothing more."""
    if not can_manage(actor):
        raise PermissionDenied(_("Only community managers can feature entries."))
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if featured == entry.is_featured:
        return entry
    if featured and (entry.is_hidden or entry.published_at is None):
        raise ValidationError(_("A hidden entry cannot be featured."), code="hidden")
    entry.featured_at = timezone.now() if featured else None
    entry.featured_by = actor if featured else None
    entry.save(update_fields=["featured_at", "featured_by"])
    if featured:
        activity_record(
            actor=entry.author_id,
            verb="showcase.entry.featured",
            target=entry,
            properties={"entry": entry.pk, "featured_by": actor.pk},
            dedupe_key=f"showcase.entry.featured:{entry.pk}",
        )
    return entry
