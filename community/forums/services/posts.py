"""Writing threads and posts, and what every post goes through. Keyword-only, validated before saving, side effects
(notifications, mail, moderation log) last."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from community.notifications.models import NotificationKind
from community.notifications.services import notifications_create

from .. import permissions
from ..models import (
    Category,
    Flag,
    ModerationAction,
    ModerationActionKind,
    Post,
    PostImage,
    PostRevision,
    Suspension,
    Thread,
    ThreadRead,
    Vote,
    Watch,
)
from ..rendering import render_markdown

logger = logging.getLogger(__name__)

IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}


def _limit(name: str, default):
    return getattr(settings, name, default)


# --- Checks every post goes through ------------------------------------------------------


def suspension_active(*, user) -> Suspension | None:
    return (
        Suspension.objects.filter(user=user, lifted_at__isnull=True, ends_at__gt=timezone.now())
        .order_by("-ends_at")
        .first()
    )


def _body_hash(body: str) -> str:
    return hashlib.sha256(" ".join(body.split()).lower().encode()).hexdigest()


def _known_handles(text: str) -> set[str]:
    from portal.accounts.selectors import handles_of_active_members

    return handles_of_active_members(handles=render_markdown(text).mentions)


def _check_may_post(*, user, body: str, rendered) -> None:
    """Suspension, new-account limits, flood and duplicate protection (ValidationError)."""
    suspension = suspension_active(user=user)
    if suspension:
        raise PermissionDenied(
            _("You are suspended from posting until %(date)s: %(reason)s")
            % {"date": suspension.ends_at.strftime("%Y-%m-%d %H:%M UTC"), "reason": suspension.reason}
        )
    now = timezone.now()
    recent = Post.objects.filter(author=user)
    if not permissions.is_forum_staff(user):
        flood = _limit("FORUM_FLOOD_SECONDS", 10)
        last = recent.order_by("-created_at").values_list("created_at", flat=True).first()
        if flood and last and last > now - timedelta(seconds=flood):
            raise ValidationError(_("You are posting too quickly. Wait a few seconds and try again."), code="flood")
        window = _limit("FORUM_DUPLICATE_WINDOW", timedelta(hours=24))
        if recent.filter(body_hash=_body_hash(body), created_at__gt=now - window, is_deleted=False).exists():
            raise ValidationError(_("You already posted exactly this. Edit that post instead."), code="duplicate")
    if permissions.is_trusted(user):
        return
    per_hour = _limit("FORUM_NEW_USER_POSTS_PER_HOUR", 3)
    if recent.filter(created_at__gt=now - timedelta(hours=1)).count() >= per_hour:
        raise ValidationError(
            _("New accounts can post %(n)s times an hour. Please come back a little later.") % {"n": per_hour},
            code="rate",
        )
    max_links = _limit("FORUM_NEW_USER_MAX_LINKS", 2)
    if rendered.link_count - len(rendered.mentions) > max_links:
        raise ValidationError(
            _("New accounts can include at most %(n)s links in a post.") % {"n": max_links}, code="links"
        )
    max_images = _limit("FORUM_NEW_USER_MAX_IMAGES", 1)
    if rendered.image_count > max_images:
        raise ValidationError(
            _("New accounts can include at most %(n)s images in a post.") % {"n": max_images}, code="images"
        )


def _redact_leaked_keys(*, text: str, source_url: str) -> str:
    """The key-leak guard: live Atrium keys in the text are revoked and redacted.

    portal.apikeys owns key lookup, revocation and the owner's email with a one-click
    roll; the forum hands it every text it is about to publish (not previews: those only
    go back to their writer).
    """
    from portal.apikeys.services import api_keys_redact_leaked

    return api_keys_redact_leaked(text=text, source_url=source_url)


def _key_leak_recorded(*, post: Post) -> None:
    """Log the redaction and tell the writer why their post now says REDACTED."""
    _log(actor=None, kind=ModerationActionKind.KEY_REDACTED, thread=post.thread, post=post, target_user=post.author)
    if post.author:
        notifications_create(
            recipients=[post.author],
            kind=NotificationKind.SECURITY,
            actor=None,
            url=post.get_absolute_url(),
            title=_(
                "Your post contained a live Atrium API key. We redacted it and revoked the key; "
                "its owner was emailed a link to roll it."
            ),
        )


def image_upload(*, user, file) -> PostImage:
    """Store an uploaded image after Pillow confirms its type, size and dimensions."""
    max_bytes = _limit("FORUM_IMAGE_MAX_BYTES", 4 * 1024 * 1024)
    if file.size > max_bytes:
        raise ValidationError(_("Images can be at most %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)})
    try:
        with Image.open(file) as img:
            img.verify()
            kind, size = img.format, img.size
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("That file is not an image we can show (PNG, JPEG, GIF or WebP).")) from exc
    if kind not in IMAGE_FORMATS:
        raise ValidationError(_("Upload a PNG, JPEG, GIF or WebP image."))
    if size[0] * size[1] > 40_000_000:
        raise ValidationError(_("That image is too large."))
    file.seek(0)
    file.name = f"upload.{IMAGE_FORMATS[kind]}"  # never trust the client's file name
    image = PostImage(uploader=user, image=file)
    image.full_clean()
    image.save()
    return image


def _with_image(*, user, body: str, image) -> str:
    if image is None:
        return body
    stored = image_upload(user=user, file=image)
    return f"{body.rstrip()}\n\n![image]({stored.image.url})"


# --- Threads and posts ------------------------------------------------------------------


def _append_search_text(*, thread_id: int, body: str) -> None:
    Thread.objects.filter(pk=thread_id).update(search_text=Concat(F("search_text"), Value("\n\n" + body)))


def thread_search_text_rebuild(*, thread: Thread) -> None:
    bodies = thread.posts.visible().order_by("created_at", "id").values_list("body", flat=True)
    Thread.objects.filter(pk=thread.pk).update(search_text="\n\n".join(bodies))


@transaction.atomic
def thread_create(
    *, author, category: Category, title: str, body: str, tags=(), error_code: str = "", image=None
) -> Thread:
    """Start a thread; its first post holds the body. Category rules apply (announcements)."""
    if not permissions.can_start_thread(author, category):
        raise PermissionDenied(_("Only staff can start threads in %(category)s.") % {"category": category.name})
    body = _with_image(user=author, body=body, image=image)
    known = _known_handles(body)
    rendered = render_markdown(body, known_handles=known)
    _check_may_post(user=author, body=body, rendered=rendered)
    now = timezone.now()
    submitted_title = title.strip()
    title = _redact_leaked_keys(text=submitted_title, source_url=settings.SITE_URL + category.get_absolute_url())
    thread = Thread(
        category=category,
        author=author,
        title=title,
        created_at=now,
        last_activity_at=now,
        last_poster=author,
        error_code=error_code,
    )
    thread.full_clean()
    thread.save()
    thread.tags.set(tags)
    submitted = body
    body = _redact_leaked_keys(text=body, source_url=settings.SITE_URL + thread.get_absolute_url())
    rendered = render_markdown(body, known_handles=known)
    post = Post(
        thread=thread,
        author=author,
        is_first=True,
        body=body,
        body_html=rendered.html,
        body_hash=_body_hash(body),
        is_staff_reply=permissions.is_forum_staff(author),
        created_at=now,
    )
    post.full_clean()
    post.save()
    Thread.objects.filter(pk=thread.pk).update(search_text=body)
    Watch.objects.get_or_create(user=author, thread=thread)
    _notify_new_post(post=post, mentions=rendered.mentions)
    if body != submitted or title != submitted_title:
        _key_leak_recorded(post=post)
    return thread


@transaction.atomic
def post_create(*, author, thread: Thread, body: str, image=None) -> Post:
    """Reply to a thread: counters, first-response time, watchers and mentions notified."""
    thread = Thread.objects.select_for_update().select_related("category").get(pk=thread.pk)
    if not permissions.can_reply(author, thread):
        raise PermissionDenied(_("This thread is locked."))
    if thread.is_deleted or thread.is_hidden:
        raise PermissionDenied(_("This thread is not open for replies."))
    body = _with_image(user=author, body=body, image=image)
    known = _known_handles(body)
    _check_may_post(user=author, body=body, rendered=render_markdown(body, known_handles=known))
    submitted = body
    body = _redact_leaked_keys(text=body, source_url=settings.SITE_URL + thread.get_absolute_url())
    rendered = render_markdown(body, known_handles=known)
    now = timezone.now()
    post = Post(
        thread=thread,
        author=author,
        body=body,
        body_html=rendered.html,
        body_hash=_body_hash(body),
        is_staff_reply=permissions.is_forum_staff(author),
        created_at=now,
    )
    post.full_clean()
    post.save()
    changes = {"reply_count": F("reply_count") + 1, "last_activity_at": now, "last_poster": author}
    if thread.first_response_at is None and author.pk != thread.author_id:
        changes["first_response_at"] = now
    Thread.objects.filter(pk=thread.pk).update(**changes)
    _append_search_text(thread_id=thread.pk, body=body)
    Watch.objects.get_or_create(user=author, thread=thread)
    _notify_new_post(post=post, mentions=rendered.mentions)
    if body != submitted:
        _key_leak_recorded(post=post)
    return post


def _users_by_handles(handles):
    from portal.accounts.selectors import active_users_by_handles

    return active_users_by_handles(handles=handles)


def _notify_new_post(*, post: Post, mentions: set[str]) -> None:
    thread = post.thread
    author = post.author
    url = post.get_absolute_url()
    name = author.profile.name if author else _("deleted user")
    notified = {author.pk}
    mentioned = [u for u in _users_by_handles(mentions) if u.pk not in notified]
    if mentioned:
        notifications_create(
            recipients=mentioned,
            kind=NotificationKind.MENTION,
            actor=author,
            url=url,
            title=_("%(name)s mentioned you in “%(title)s”") % {"name": name, "title": thread.title},
        )
        notified |= {u.pk for u in mentioned}
    if not post.is_first and thread.author and thread.author_id not in notified:
        notifications_create(
            recipients=[thread.author],
            kind=NotificationKind.REPLY,
            actor=author,
            url=url,
            title=_("%(name)s replied to “%(title)s”") % {"name": name, "title": thread.title},
        )
        notified.add(thread.author_id)
    watches = Watch.objects.select_related("user")
    if post.is_first:
        watches = watches.filter(category_id=thread.category_id)
        title = _("New thread in %(category)s: “%(title)s”") % {"category": thread.category.name, "title": thread.title}
    else:
        watches = watches.filter(thread_id=thread.pk)
        title = _("New reply in “%(title)s”") % {"title": thread.title}
    watchers = [w.user for w in watches.exclude(user_id__in=notified)]
    if watchers:
        notifications_create(recipients=watchers, kind=NotificationKind.WATCHED, actor=author, url=url, title=title)


def _log(*, actor, kind: str, thread=None, post=None, target_user=None, reason: str = "", **details):
    entry = ModerationAction(
        actor=actor, kind=kind, thread=thread, post=post, target_user=target_user, reason=reason[:500], details=details
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def post_edit(*, editor, post: Post, body: str, title: str | None = None) -> Post:
    """Edit a post (and, for the first post, the thread title); the old text is kept."""
    post = Post.objects.select_for_update().select_related("thread", "thread__category").get(pk=post.pk)
    if not permissions.can_edit_post(editor, post):
        raise PermissionDenied(_("You cannot edit this post."))
    suspension = suspension_active(user=editor)
    if suspension and not permissions.can_moderate(editor):
        raise PermissionDenied(_("You are suspended from posting."))
    thread = post.thread
    new_title = title.strip() if (title is not None and post.is_first) else thread.title
    if body == post.body and new_title == thread.title:
        return post
    known = _known_handles(body)
    rendered = render_markdown(body, known_handles=known)
    if not permissions.is_trusted(editor):
        _check_edit_limits(rendered=rendered)
    submitted = body
    body = _redact_leaked_keys(text=body, source_url=settings.SITE_URL + post.get_absolute_url())
    if new_title != thread.title:
        new_title = _redact_leaked_keys(text=new_title, source_url=settings.SITE_URL + post.get_absolute_url())
    rendered = render_markdown(body, known_handles=known)
    old_mentions = render_markdown(post.body, known_handles=_known_handles(post.body)).mentions
    PostRevision.objects.create(post=post, body=post.body, title=thread.title if post.is_first else "", editor=editor)
    post.body, post.body_html, post.body_hash = body, rendered.html, _body_hash(body)
    post.edited_at = timezone.now()
    post.edit_count += 1
    post.full_clean()
    post.save()
    if post.is_first and new_title != thread.title:
        thread.title = new_title
        thread.full_clean()
        thread.save(update_fields=["title"])
    thread_search_text_rebuild(thread=thread)
    if editor.pk != post.author_id:
        _log(actor=editor, kind=ModerationActionKind.EDIT, thread=thread, post=post, target_user=post.author)
    new_mentions = rendered.mentions - old_mentions
    if new_mentions:
        name = editor.profile.name
        notifications_create(
            recipients=_users_by_handles(new_mentions),
            kind=NotificationKind.MENTION,
            actor=editor,
            url=post.get_absolute_url(),
            title=_("%(name)s mentioned you in “%(title)s”") % {"name": name, "title": thread.title},
        )
    if body != submitted:
        _key_leak_recorded(post=post)
    return post


def _check_edit_limits(*, rendered) -> None:
    max_links = _limit("FORUM_NEW_USER_MAX_LINKS", 2)
    if rendered.link_count - len(rendered.mentions) > max_links:
        raise ValidationError(_("New accounts can include at most %(n)s links in a post.") % {"n": max_links})
    max_images = _limit("FORUM_NEW_USER_MAX_IMAGES", 1)
    if rendered.image_count > max_images:
        raise ValidationError(_("New accounts can include at most %(n)s images in a post.") % {"n": max_images})


@transaction.atomic
def post_delete(*, actor, post: Post) -> Post:
    """Soft-delete: the author (or a moderator) removes a post; the first post takes the thread."""
    post = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
    if not permissions.can_edit_post(actor, post):
        raise PermissionDenied(_("You cannot delete this post."))
    post.is_deleted = True
    post.deleted_at = timezone.now()
    post.save(update_fields=["is_deleted", "deleted_at"])
    thread = post.thread
    if post.is_first:
        thread.is_deleted = True
        thread.save(update_fields=["is_deleted"])
    else:
        Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") - 1)
        if thread.accepted_answer_id == post.pk:
            Thread.objects.filter(pk=thread.pk).update(accepted_answer=None)
    thread_search_text_rebuild(thread=thread)
    if actor.pk != post.author_id:
        _log(actor=actor, kind=ModerationActionKind.DELETE, thread=thread, post=post, target_user=post.author)
    return post


def post_vote(*, user, post: Post) -> tuple[bool, int]:
    """Toggle the member's upvote. Own posts cannot be voted on; one vote per member."""
    if not user.is_authenticated:
        raise PermissionDenied
    if not post.thread.category.has_votes:
        raise ValidationError(_("Posts in this category are not voted on."))
    if post.author_id == user.pk:
        raise ValidationError(_("You cannot vote on your own post."), code="self_vote")
    if post.is_deleted or post.is_hidden:
        raise ValidationError(_("This post cannot be voted on."))
    with transaction.atomic():
        deleted, _rows = Vote.objects.filter(post=post, user=user).delete()
        if deleted:
            delta, voted = -1, False
        else:
            try:
                with transaction.atomic():
                    Vote.objects.create(post=post, user=user)
            except IntegrityError:  # a concurrent click already voted
                return True, Post.objects.get(pk=post.pk).score
            delta, voted = 1, True
        Post.objects.filter(pk=post.pk).update(score=F("score") + delta)
        if post.is_first:
            Thread.objects.filter(pk=post.thread_id).update(score=F("score") + delta)
    return voted, Post.objects.values_list("score", flat=True).get(pk=post.pk)


@transaction.atomic
def post_accept_answer(*, user, post: Post) -> Thread:
    """The asker (or staff) accepts an answer; accepting it again un-accepts it."""
    thread = Thread.objects.select_for_update().select_related("category").get(pk=post.thread_id)
    if not permissions.can_accept(user, thread):
        raise PermissionDenied(_("Only the asker or staff can accept an answer."))
    if post.is_first or post.is_deleted or post.is_hidden:
        raise ValidationError(_("Only a visible reply can be accepted."))
    if thread.accepted_answer_id == post.pk:
        thread.accepted_answer = None
        thread.save(update_fields=["accepted_answer"])
        return thread
    thread.accepted_answer = post
    thread.full_clean()
    thread.save(update_fields=["accepted_answer"])
    if post.author and post.author_id != user.pk:
        notifications_create(
            recipients=[post.author],
            kind=NotificationKind.ACCEPTED,
            actor=user,
            url=post.get_absolute_url(),
            title=_("Your answer in “%(title)s” was accepted") % {"title": thread.title},
        )
    return thread


def post_flag(*, reporter, post: Post, reason: str, note: str = "") -> Flag:
    """Report a post to the moderators (once per member per post)."""
    if post.author_id == reporter.pk:
        raise ValidationError(_("You cannot flag your own post."))
    flag = Flag(post=post, reporter=reporter, reason=reason, note=note.strip())
    flag.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            flag.save()
    except IntegrityError as exc:
        raise ValidationError(_("You already flagged this post; moderators will look at it.")) from exc
    return flag


def thread_mark_read(*, user, thread: Thread) -> None:
    if not user.is_authenticated:
        return
    # Rereading a thread with nothing new writes nothing. The thread page has read the
    # marker already (selectors.thread_reader_state); otherwise one indexed read tells.
    if hasattr(thread, "read_at"):
        if thread.read_at is not None and thread.read_at >= thread.last_activity_at:
            return
    elif ThreadRead.objects.filter(user=user, thread=thread, read_at__gte=thread.last_activity_at).exists():
        return
    ThreadRead.objects.bulk_create(
        [ThreadRead(user=user, thread=thread, read_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "thread"],
        update_fields=["read_at"],
    )


def watch_toggle(*, user, thread: Thread | None = None, category: Category | None = None) -> bool:
    """Follow or unfollow a thread or a category; returns whether the member now watches it."""
    deleted, _rows = Watch.objects.filter(user=user, thread=thread, category=category).delete()
    if deleted:
        return False
    watch = Watch(user=user, thread=thread, category=category)
    watch.full_clean(validate_constraints=False)
    watch.save()
    return True
