"""Reads for accounts and profiles."""

from django.shortcuts import get_object_or_404

from .models import Profile


def profile_get_public(*, handle: str) -> Profile:
    """The public profile of an active account; 404 for unknown or deactivated ones."""
    return get_object_or_404(Profile.objects.select_related("user"), handle=handle, user__is_active=True)


def profile_exists_public(*, handle: str) -> bool:
    return Profile.objects.filter(handle=handle, user__is_active=True).exists()


def handles_of_active_members(*, handles) -> set[str]:
    """Which of these handles belong to active accounts (for @mentions)."""
    if not handles:
        return set()
    return set(Profile.objects.filter(handle__in=handles, user__is_active=True).values_list("handle", flat=True))


def active_users_by_handles(*, handles) -> list:
    """The active accounts behind these handles."""
    if not handles:
        return []
    return [p.user for p in Profile.objects.filter(handle__in=handles, user__is_active=True).select_related("user")]
