"""Who may do what in the forums. Moderation rights are Django permissions (Meta.permissions
on Post), which the accounts app grants to the Moderator role; staff count as staff. What
members may do beyond posting (downvote, retag, edit wikis, close duplicates) and the
new members' limits come from their trust level (``community.trust.selectors``)."""

from __future__ import annotations

from community.trust.selectors import privileges_of


def is_forum_staff(user) -> bool:
    """Staff members and moderators: their replies carry the official badge."""
    return bool(user.is_authenticated and (user.is_staff or user.has_perm("forums.moderate_post")))


def can_moderate(user) -> bool:
    return bool(user.is_authenticated and user.has_perm("forums.moderate_post"))


def _open_for_edits(post) -> bool:
    return not post.is_hidden and not post.is_deleted and not post.thread.is_locked


def can_edit_post(user, post) -> bool:
    """Its author and moderators; a wiki post also members whose level may edit wikis."""
    if not user.is_authenticated:
        return False
    if can_moderate(user):
        return True
    if not _open_for_edits(post):
        return False
    return post.author_id == user.pk or (post.is_wiki and privileges_of(user=user).can_edit_wiki)


def can_delete_post(user, post) -> bool:
    """Its author (while they may edit it) and moderators: a wiki's editors do not delete it."""
    if not user.is_authenticated:
        return False
    return can_moderate(user) or (post.author_id == user.pk and _open_for_edits(post))


def can_retag(user, thread) -> bool:
    """A thread's author, moderators, and members whose level may retag others' threads."""
    if not user.is_authenticated:
        return False
    return thread.author_id == user.pk or can_moderate(user) or privileges_of(user=user).can_retag


def can_make_wiki(user) -> bool:
    return bool(user.is_authenticated and (can_moderate(user) or privileges_of(user=user).can_make_wiki))


def can_close_duplicates(user) -> bool:
    return bool(user.is_authenticated and (can_moderate(user) or privileges_of(user=user).can_close_duplicates))


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
