"""Moderation: hide/restore, flags, lock, pin, move, merge, suspensions, idea status.

Every action is logged (ModerationAction) and needs its own permission."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.activity.services import activity_record

from ..models import (
    Category,
    ErrorAnswer,
    Flag,
    FlagStatus,
    IdeaStatus,
    ModerationActionKind,
    Post,
    Suspension,
    Thread,
    Watch,
)
from .log import moderation_log_write
from .posts import post_create, thread_first_response_refresh, thread_search_text_rebuild

# --- Moderation ----------------------------------------------------------------------------


def _require(user, perm: str) -> None:
    if not user.is_authenticated or not user.has_perm(f"forums.{perm}"):
        raise PermissionDenied(_("You do not have permission to do that."))


@transaction.atomic
def post_hide(*, moderator, post: Post, reason: str, as_spam: bool = False) -> Post:
    """Hide a post; `as_spam` removes it as spam (the rewards ledger takes the spam
    penalty from its author until it is restored)."""
    _require(moderator, "moderate_post")
    post.is_hidden, post.hidden_reason, post.hidden_as_spam = True, reason[:200], as_spam
    post.save(update_fields=["is_hidden", "hidden_reason", "hidden_as_spam"])
    if post.is_first:
        Thread.objects.filter(pk=post.thread_id).update(is_hidden=True)
    Flag.objects.filter(post=post, status=FlagStatus.OPEN).update(
        status=FlagStatus.ACTIONED, resolved_by=moderator, resolved_at=timezone.now()
    )
    thread_search_text_rebuild(thread=post.thread)
    thread_first_response_refresh(thread=post.thread)
    moderation_log_write(
        actor=moderator,
        kind=ModerationActionKind.HIDE,
        thread=post.thread,
        post=post,
        target_user=post.author,
        reason=reason,
        **({"spam": True} if as_spam else {}),
    )
    if as_spam:
        _spam_activity(moderator=moderator, post=post, verb="forum.post.removed_as_spam")
    return post


@transaction.atomic
def post_restore(*, moderator, post: Post, reason: str = "") -> Post:
    """Show a hidden post again; one removed as spam is cleared of it."""
    _require(moderator, "moderate_post")
    # As stored (locked), not as the caller's copy says: a spam removal is cleared once.
    was_spam = Post.objects.select_for_update().values_list("hidden_as_spam", flat=True).get(pk=post.pk)
    post.is_hidden, post.hidden_reason, post.hidden_as_spam = False, "", False
    post.save(update_fields=["is_hidden", "hidden_reason", "hidden_as_spam"])
    if post.is_first:
        Thread.objects.filter(pk=post.thread_id).update(is_hidden=False)
    thread_search_text_rebuild(thread=post.thread)
    thread_first_response_refresh(thread=post.thread)
    moderation_log_write(
        actor=moderator,
        kind=ModerationActionKind.RESTORE,
        thread=post.thread,
        post=post,
        target_user=post.author,
        reason=reason,
    )
    if was_spam:
        _spam_activity(moderator=moderator, post=post, verb="forum.post.spam_cleared")
    return post


def _spam_activity(*, moderator, post: Post, verb: str) -> None:
    activity_record(
        actor=moderator,
        verb=verb,
        target=post,
        properties={
            "thread": post.thread_id,
            "post": post.pk,
            "post_author": post.author_id,
            "category": post.thread.category_id,
            "is_question": post.is_first,
        },
    )


def flags_dismiss(*, moderator, post: Post, reason: str = "") -> int:
    _require(moderator, "moderate_flags")
    count = Flag.objects.filter(post=post, status=FlagStatus.OPEN).update(
        status=FlagStatus.DISMISSED, resolved_by=moderator, resolved_at=timezone.now()
    )
    moderation_log_write(
        actor=moderator,
        kind=ModerationActionKind.DISMISS_FLAGS,
        thread=post.thread,
        post=post,
        reason=reason,
        count=count,
    )
    return count


def thread_set_locked(*, moderator, thread: Thread, locked: bool, reason: str = "") -> Thread:
    _require(moderator, "lock_thread")
    thread.is_locked = locked
    thread.save(update_fields=["is_locked"])
    moderation_log_write(
        actor=moderator,
        kind=ModerationActionKind.LOCK if locked else ModerationActionKind.UNLOCK,
        thread=thread,
        reason=reason,
    )
    return thread


def thread_set_pinned(*, moderator, thread: Thread, pinned: bool, reason: str = "") -> Thread:
    _require(moderator, "pin_thread")
    thread.is_pinned = pinned
    thread.save(update_fields=["is_pinned"])
    moderation_log_write(
        actor=moderator,
        kind=ModerationActionKind.PIN if pinned else ModerationActionKind.UNPIN,
        thread=thread,
        reason=reason,
    )
    return thread


def thread_move(*, moderator, thread: Thread, category: Category, reason: str = "") -> Thread:
    _require(moderator, "move_thread")
    old = thread.category
    thread.category = category
    thread.full_clean()
    thread.save(update_fields=["category"])
    moderation_log_write(
        actor=moderator,
        kind=ModerationActionKind.MOVE,
        thread=thread,
        reason=reason,
        from_category=old.slug,
        to_category=category.slug,
    )
    return thread


@transaction.atomic
def thread_merge(*, moderator, source: Thread, target: Thread, reason: str = "") -> Thread:
    """Move every post of source into target (its opening post becomes a reply)."""
    _require(moderator, "merge_thread")
    if source.pk == target.pk:
        raise ValidationError(_("A thread cannot be merged into itself."))
    if target.is_deleted or target.merged_into_id:
        raise ValidationError(_("Merge into a live thread."))
    moved = source.posts.update(thread=target, is_first=False)
    visible = target.posts.visible().count()
    last = target.posts.visible().order_by("-created_at").first()
    Thread.objects.filter(pk=target.pk).update(
        reply_count=max(visible - 1, 0),
        last_activity_at=max(target.last_activity_at, source.last_activity_at),
        last_poster=last.author if last else None,
    )
    Thread.objects.filter(pk=source.pk).update(merged_into=target, reply_count=0)
    Watch.objects.filter(thread=source).exclude(user__in=Watch.objects.filter(thread=target).values("user")).update(
        thread=target
    )
    target.refresh_from_db()
    thread_search_text_rebuild(thread=target)
    thread_first_response_refresh(thread=target)
    moderation_log_write(
        actor=moderator,
        kind=ModerationActionKind.MERGE,
        thread=target,
        reason=reason,
        source_thread=source.pk,
        moved_posts=moved,
    )
    return target


def user_suspend(*, moderator, user, reason: str, ends_at) -> Suspension:
    _require(moderator, "suspend_user")
    if user.pk == moderator.pk:
        raise ValidationError(_("You cannot suspend yourself."))
    if user.is_staff and not moderator.is_superuser:
        raise PermissionDenied(_("Staff accounts can only be suspended by an administrator."))
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": _("The end date must be in the future.")})
    suspension = Suspension(user=user, reason=reason.strip(), ends_at=ends_at, created_by=moderator)
    suspension.full_clean()
    suspension.save()
    moderation_log_write(
        actor=moderator, kind=ModerationActionKind.SUSPEND, target_user=user, reason=reason, ends_at=ends_at.isoformat()
    )
    return suspension


def suspension_lift(*, moderator, suspension: Suspension, reason: str = "") -> Suspension:
    _require(moderator, "suspend_user")
    suspension.lifted_at = timezone.now()
    suspension.save(update_fields=["lifted_at"])
    moderation_log_write(
        actor=moderator, kind=ModerationActionKind.UNSUSPEND, target_user=suspension.user, reason=reason
    )
    return suspension


@transaction.atomic
def idea_status_set(*, staff, thread: Thread, status: str, reply: str) -> Post:
    """Staff set an idea's status and explain it in an official reply."""
    _require(staff, "set_idea_status")
    if not thread.category.is_ideas:
        raise ValidationError(_("Only ideas have a status."))
    if status not in IdeaStatus.values or not status:
        raise ValidationError({"status": _("Choose a status.")})
    if not reply.strip():
        raise ValidationError({"reply": _("Explain the decision in a reply.")})
    thread.idea_status = status
    thread.full_clean()
    thread.save(update_fields=["idea_status"])
    label = IdeaStatus(status).label
    post = post_create(author=staff, thread=thread, body=f"**{_('Status')}: {label}**\n\n{reply}")
    moderation_log_write(actor=staff, kind=ModerationActionKind.IDEA_STATUS, thread=thread, post=post, status=status)
    return post


# --- What /v1 errors link to ------------------------------------------------------------------


def _require_staff_verifier(user) -> None:
    # Staff only: moderators are members, and members must not steer other members' links.
    if not (user.is_authenticated and user.is_staff and user.has_perm("forums.change_erroranswer")):
        raise PermissionDenied(_("Only staff can verify the answer for an API error."))


@transaction.atomic
def error_answer_verify(*, staff, post: Post) -> ErrorAnswer:
    """Link every /v1 error of the post's thread's code to this post, as its page reads now
    (the thread is locked, so no reply joins it after the check)."""
    from ..selectors import error_answer_digest

    _require_staff_verifier(staff)
    # What is stored now, not what the caller's instance says: that is what readers see.
    post = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
    thread = post.thread
    if not thread.error_code:
        raise ValidationError(_("This thread is not about an API error."))
    if post.is_first or post.is_hidden or post.is_deleted or thread.is_hidden or thread.is_deleted:
        raise ValidationError(_("Only a visible reply can be the answer for an API error."))
    if not thread.is_locked:  # the page staff verify gets no new replies
        thread.is_locked = True
        thread.save(update_fields=["is_locked"])
    answer, _created = ErrorAnswer.objects.update_or_create(
        error_code=thread.error_code,
        defaults={
            "thread": thread,
            "post": post,
            "body_digest": error_answer_digest(post),
            "verified_by": staff,
            "verified_at": timezone.now(),
        },
    )
    moderation_log_write(
        actor=staff, kind=ModerationActionKind.VERIFY_ERROR_ANSWER, thread=thread, post=post, code=thread.error_code
    )
    return answer


@transaction.atomic
def error_answer_withdraw(*, staff, error_code: str) -> None:
    """Errors of this code link to the docs again."""
    _require_staff_verifier(staff)
    answer = ErrorAnswer.objects.select_related("post__thread").filter(error_code=error_code).first()
    if answer is None:
        return
    answer.delete()
    moderation_log_write(
        actor=staff,
        kind=ModerationActionKind.UNVERIFY_ERROR_ANSWER,
        thread=answer.post.thread,
        post=answer.post,
        code=error_code,
    )
