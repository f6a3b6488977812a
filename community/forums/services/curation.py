"""What trusted members do to keep the forum tidy, each gated by a trust privilege
(community.trust) and open to moderators: retag others' threads, make a first post a
wiki (and edit wikis: permissions.can_edit_post), close a thread as a duplicate."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.activity.services import activity_record
from community.trust.selectors import privilege_level

from .. import permissions
from ..models import ModerationActionKind, Post, Thread
from .log import moderation_log_write

MAX_TAGS = 5


def _needs(privilege: str, message: str) -> PermissionDenied:
    return PermissionDenied(message % {"level": privilege_level(privilege).label})


@transaction.atomic
def thread_retag(*, user, thread: Thread, tags) -> Thread:
    """Set a thread's tags (from the managed list)."""
    if not permissions.can_retag(user, thread):
        raise _needs("retag", _("Changing the tags of others' threads needs trust level %(level)s."))
    tags = list(tags)
    if len(tags) > MAX_TAGS:
        raise ValidationError(
            ngettext("Choose at most %(n)s tag.", "Choose at most %(n)s tags.", MAX_TAGS) % {"n": MAX_TAGS}
        )
    thread.tags.set(tags)
    activity_record(
        actor=user,
        verb="forum.thread.retagged",
        target=thread,
        properties={
            "thread": thread.pk,
            "thread_author": thread.author_id,
            "tags": sorted(tag.slug for tag in tags),
        },
    )
    return thread


@transaction.atomic
def post_set_wiki(*, user, post: Post, is_wiki: bool) -> Post:
    """Make a thread's first post a wiki that members of the privilege's level may edit, or
    a normal post again."""
    if not permissions.can_make_wiki(user):
        raise _needs("make_wiki", _("Making a post a wiki needs trust level %(level)s."))
    post = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
    if not post.is_first or post.is_deleted or post.is_hidden:
        raise ValidationError(_("Only a visible first post of a thread can be a wiki."))
    if post.is_wiki == is_wiki:
        return post
    post.is_wiki = is_wiki
    post.save(update_fields=["is_wiki"])
    moderation_log_write(
        actor=user,
        kind=ModerationActionKind.WIKI if is_wiki else ModerationActionKind.UNWIKI,
        thread=post.thread,
        post=post,
        target_user=post.author,
    )
    return post


@transaction.atomic
def thread_close_as_duplicate(*, user, thread: Thread, original: Thread, reason: str = "") -> Thread:
    """Close a thread as a duplicate of another: it is locked and links the original."""
    if not permissions.can_close_duplicates(user):
        raise _needs("close_duplicates", _("Closing threads as duplicates needs trust level %(level)s."))
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if original.pk == thread.pk:
        raise ValidationError(_("A thread cannot be a duplicate of itself."))
    if original.is_deleted or original.is_hidden or original.merged_into_id:
        raise ValidationError(_("The original must be a visible thread."))
    if original.duplicate_of_id == thread.pk:
        raise ValidationError(_("That thread is closed as a duplicate of this one."))
    if thread.duplicate_of_id is not None:
        raise ValidationError(_("This thread is already closed as a duplicate."))
    thread.duplicate_of = original
    thread.is_locked = True
    thread.save(update_fields=["duplicate_of", "is_locked"])
    moderation_log_write(
        actor=user,
        kind=ModerationActionKind.DUPLICATE,
        thread=thread,
        target_user=thread.author,
        reason=reason,
        original=original.pk,
    )
    return thread


@transaction.atomic
def thread_reopen_duplicate(*, user, thread: Thread, reason: str = "") -> Thread:
    """Undo a close as duplicate: unlinked and unlocked."""
    if not permissions.can_close_duplicates(user):
        raise _needs("close_duplicates", _("Closing threads as duplicates needs trust level %(level)s."))
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.duplicate_of_id is None:
        raise ValidationError(_("This thread is not closed as a duplicate."))
    original = thread.duplicate_of_id
    thread.duplicate_of = None
    thread.is_locked = False
    thread.save(update_fields=["duplicate_of", "is_locked"])
    moderation_log_write(
        actor=user,
        kind=ModerationActionKind.REOPEN,
        thread=thread,
        target_user=thread.author,
        reason=reason,
        original=original,
    )
    return thread
