"""What every post goes through, for a new thread, a reply or an edit: the image, one
Markdown rendering (two only when a key had to be redacted, or an unknown @handle
un-linked), the member's limits and the key-leak guard."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, UnidentifiedImageError

from community.trust.levels import Level
from community.trust.selectors import Privileges, privileges_of
from portal.accounts.selectors import handles_of_active_members
from portal.apikeys import keyformat
from portal.markdown import MEMBER, MENTION_LINK, Rendered, render_markdown

from .. import permissions
from ..models import ModerationAction, ModerationActionKind, Post, PostImage, Suspension
from .log import moderation_log_write

IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}


def _limit(name: str, default):
    return getattr(settings, name, default)


def suspension_active(*, user) -> Suspension | None:
    return (
        Suspension.objects.filter(user=user, lifted_at__isnull=True, ends_at__gt=timezone.now())
        .order_by("-ends_at")
        .first()
    )


def body_hash(body: str) -> str:
    return hashlib.sha256(" ".join(body.split()).lower().encode()).hexdigest()


def published_body_hash(body: str) -> str:
    """The hash a submitted body will be stored under: what is stored has its keys redacted
    (``redact_leaked_keys``), so a body holding a key, sent again, must be compared as it
    was published, or the duplicate check misses it and the post (and its redaction) is
    recorded twice."""
    return body_hash(keyformat.KEY_PATTERN.sub(_redacted_if_key, body))


def _redacted_if_key(match) -> str:
    return keyformat.REDACTED if keyformat.is_well_formed(match[0]) else match[0]


def render_body(body: str) -> Rendered:
    """A member's body rendered once; @handles link only when they name an active member
    (rendered a second time only in the rare body that mentions someone who is not)."""
    rendered = render_markdown(body, profile=MEMBER)
    if rendered.mentions:
        known = handles_of_active_members(handles=rendered.mentions)
        if known != rendered.mentions:
            rendered = render_markdown(body, profile=MEMBER, known_handles=known)
    return rendered


def mentions_in(body_html: str) -> set[str]:
    """The handles a stored body links as mentions."""
    return set(MENTION_LINK.findall(body_html))  # only the extension's links keep the class


@dataclass
class PreparedBody:
    """A body ready to store: what the member submitted, what will be published (keys
    redacted), and its rendering."""

    submitted: str
    body: str
    rendered: Rendered

    @property
    def redacted(self) -> bool:
        return self.body != self.submitted


def draft_body(*, author, body: str, image=None, check=None) -> PreparedBody:
    """Attach the image, render once, and run `check(submitted, rendered)` (the author's limits)."""
    submitted = with_image(user=author, body=body, image=image)
    rendered = render_body(submitted)
    if check is not None:
        check(submitted, rendered)
    return PreparedBody(submitted=submitted, body=submitted, rendered=rendered)


def publish_body(draft: PreparedBody, *, source_url: str) -> PreparedBody:
    """Redact live API keys (revoked, their owners told where they leaked); the body is
    rendered again only if a key was found."""
    published = redact_leaked_keys(text=draft.submitted, source_url=source_url)
    if published == draft.submitted:
        return draft
    return PreparedBody(submitted=draft.submitted, body=published, rendered=render_body(published))


def check_may_post(*, user, body: str, rendered: Rendered) -> None:
    """Suspension, flood and duplicate protection, and the limits of the member's trust
    level (ValidationError)."""
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
        if recent.filter(body_hash=published_body_hash(body), created_at__gt=now - window, is_deleted=False).exists():
            raise ValidationError(_("You already posted exactly this. Edit that post instead."), code="duplicate")
    privileges = privileges_of(user=user)
    per_hour = privileges.posts_per_hour
    if per_hour is not None and recent.filter(created_at__gt=now - timedelta(hours=1)).count() >= per_hour:
        raise ValidationError(
            ngettext(
                "Until you reach trust level %(level)s, you can post %(n)s time an hour. Please come back a little "
                "later.",
                "Until you reach trust level %(level)s, you can post %(n)s times an hour. Please come back a little "
                "later.",
                per_hour,
            )
            % {"n": per_hour, "level": _lifted_at()},
            code="rate",
        )
    check_post_limits(rendered=rendered, privileges=privileges)


def _lifted_at() -> str:
    """The level at which the new members' limits are lifted."""
    return str(Level.BASIC.label)


def check_post_limits(*, rendered: Rendered, privileges: Privileges) -> None:
    """Links and images the member's trust level allows in one post (new members: a few)."""
    max_links = privileges.max_links
    if max_links is not None and rendered.link_count - len(rendered.mentions) > max_links:
        raise ValidationError(
            ngettext(
                "Until you reach trust level %(level)s, a post can include at most %(n)s link.",
                "Until you reach trust level %(level)s, a post can include at most %(n)s links.",
                max_links,
            )
            % {"n": max_links, "level": _lifted_at()},
            code="links",
        )
    max_images = privileges.max_images
    if max_images is not None and rendered.image_count > max_images:
        raise ValidationError(
            ngettext(
                "Until you reach trust level %(level)s, a post can include at most %(n)s image.",
                "Until you reach trust level %(level)s, a post can include at most %(n)s images.",
                max_images,
            )
            % {"n": max_images, "level": _lifted_at()},
            code="images",
        )


def redact_leaked_keys(*, text: str, source_url: str) -> str:
    """The key-leak guard: live Atrium keys in the text are revoked and redacted.

    portal.apikeys owns key lookup, revocation and the owner's email with a one-click
    roll; the forum hands it every text it is about to publish (not previews: those only
    go back to their writer).
    """
    from portal.apikeys.services import api_keys_redact_leaked

    return api_keys_redact_leaked(text=text, source_url=source_url)


def key_leak_recorded(*, post: Post) -> None:
    """Log the redaction, once per version of the post: the log credits it to the system
    (no actor), and its activity tells the writer why their post now says REDACTED."""
    logged = ModerationAction.objects.filter(
        kind=ModerationActionKind.KEY_REDACTED, post=post, details__body_hash=post.body_hash
    )
    if logged.exists():
        return
    moderation_log_write(
        actor=None,
        kind=ModerationActionKind.KEY_REDACTED,
        thread=post.thread,
        post=post,
        target_user=post.author,
        body_hash=post.body_hash,
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


def with_image(*, user, body: str, image) -> str:
    if image is None:
        return body
    stored = image_upload(user=user, file=image)
    return f"{body.rstrip()}\n\n![image]({stored.image.url})"
