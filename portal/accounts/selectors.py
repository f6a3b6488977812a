"""Reads for accounts and profiles."""

from django.shortcuts import get_object_or_404

from .models import Profile


def profile_get_public(*, handle: str) -> Profile:
    """The public profile of an active account; 404 for unknown or deactivated ones."""
    return get_object_or_404(Profile.objects.select_related("user"), handle=handle, user__is_active=True)


def profile_exists_public(*, handle: str) -> bool:
    return Profile.objects.filter(handle=handle, user__is_active=True).exists()
