"""Who may do what in the forums. Moderation rights are Django permissions (Meta.permissions
on Post), which the accounts app grants to the Moderator role; staff count as staff."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone


def is_forum_staff(user) -> bool:
    """Staff members and moderators: their replies carry the official badge."""
    return bool(user.is_authenticated and (user.is_staff or user.has_perm("forums.moderate_post")))


def can_moderate(user) -> bool:
    return bool(user.is_authenticated and user.has_perm("forums.moderate_post"))


def can_edit_post(user, post) -> bool:
    if not user.is_authenticated:
        return False
    if can_moderate(user):
        return True
    return post.author_id == user.pk and not post.is_hidden and not post.is_deleted and not post.thread.is_locked


def can_accept(user, thread) -> bool:
    if not user.is_authenticated or not thread.category.has_answers:
        return False
    return thread.author_id == user.pk or is_forum_staff(user)


def can_start_thread(user, category) -> bool:
    if not user.is_authenticated:
        return False
    if category.staff_only_threads:
        return user.is_staff
    return True


def can_reply(user, thread) -> bool:
    if not user.is_authenticated:
        return False
    return not thread.is_locked or can_moderate(user)


def can_manage_taxonomy(user) -> bool:
    """Community managers (who may change the community's models) and admins create
    categories and tags."""
    return bool(
        user.is_authenticated and (user.has_perm("forums.add_category") or user.has_perm("forums.change_category"))
    )


def is_trusted(user) -> bool:
    """Whether the new-account limits are lifted.

    Until the rewards app defines trust levels, an account is trusted once it is
    FORUM_TRUST_MIN_ACCOUNT_AGE old and has a verified email address; staff and
    moderators always are.
    """
    if is_forum_staff(user):
        return True
    min_age = getattr(settings, "FORUM_TRUST_MIN_ACCOUNT_AGE", timedelta(days=2))
    if user.date_joined > timezone.now() - min_age:
        return False
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).exists()
