"""Reads for accounts and profiles."""

from allauth.account.models import EmailAddress
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


def email_verified(*, user) -> bool:
    """Whether the account has confirmed an email address (allauth's record of it)."""
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def email_verified_ids(*, user_ids) -> set[int]:
    """Which of these accounts have confirmed an email address (one query)."""
    return set(EmailAddress.objects.filter(user_id__in=user_ids, verified=True).values_list("user_id", flat=True))


def profile_bio_html(*, profile: Profile) -> str:
    """The bio as sanitized HTML: Markdown rendered with the MEMBER profile (as forum posts
    are), @handles linked only when they name an active member."""
    from portal.markdown import MEMBER, render_markdown

    if not profile.bio.strip():
        return ""
    rendered = render_markdown(profile.bio, profile=MEMBER)
    if rendered.mentions:
        known = handles_of_active_members(handles=rendered.mentions)
        if known != rendered.mentions:
            rendered = render_markdown(profile.bio, profile=MEMBER, known_handles=known)
    return rendered.html
