"""Writes for accounts, profiles and roles."""

import logging
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from portal import cache_versions

from .models import Profile, User
from .profile_sections import profile_version_key
from .roles import Role
from .validators import HANDLE_MAX_LENGTH, HANDLE_MIN_LENGTH, RESERVED_HANDLES

logger = logging.getLogger(__name__)

_SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def _handle_candidate(email: str) -> str:
    """A valid handle derived from the email's local part (ada.lovelace@x -> ada-lovelace)."""
    local = email.split("@", 1)[0].lower()
    base = re.sub(r"[^a-z0-9]+", "-", local).strip("-")[: HANDLE_MAX_LENGTH - 5].strip("-")
    if len(base) < HANDLE_MIN_LENGTH or base in RESERVED_HANDLES:
        base = f"{base or 'dev'}-{get_random_string(4, _SUFFIX_ALPHABET)}"
    return base


def profile_ensure(*, user: User) -> Profile:
    """Return the user's profile, creating it with a unique handle derived from the email."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        pass
    base = _handle_candidate(user.email)
    handle = base
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return Profile.objects.create(user=user, handle=handle)
        except IntegrityError:
            handle = f"{base}-{get_random_string(4, _SUFFIX_ALPHABET)}"
    raise RuntimeError("could not allocate a unique handle")


def profile_update(*, profile: Profile, display_name: str, handle: str, bio: str, github: str, website: str) -> Profile:
    """Change what other developers see; raises ValidationError and saves nothing on bad input.

    The bio and name are public: a live API key pasted there is revoked (its owner told)
    and, like anything shaped like a key, never stored."""
    from django.conf import settings

    from portal.apikeys.keyformat import redact_keylike
    from portal.apikeys.services import api_keys_redact_leaked

    # Where the key was found: the profile as it stands (the new handle may not be valid).
    source_url = settings.SITE_URL + profile.get_absolute_url()

    def published(text: str) -> str:
        return redact_keylike(api_keys_redact_leaked(text=text.strip(), source_url=source_url))

    profile.display_name = published(display_name)
    profile.handle = handle.strip().lower()
    profile.bio = published(bio)
    profile.github = github.strip()
    profile.website = website.strip()
    profile.full_clean()
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError as exc:  # another account took the handle since full_clean()
        raise ValidationError({"handle": _("This handle is already taken.")}, code="unique") from exc
    cache_versions.move(profile_version_key(profile.user_id))  # visitors see the edit at once
    return profile


def user_set_language(*, user: User, language: str) -> User:
    """Save the member's language (one of settings.LANGUAGES); it applies wherever they log in."""
    if user.language == language:
        return user
    # The one field changed, checked against its choices (ValidationError for any other).
    user.language = User._meta.get_field("language").clean(language, user)
    user.save(update_fields=["language"])
    return user


def user_set_role(*, user: User, role: Role) -> User:
    """Give the user exactly one role, with the staff flag that goes with it.

    Community managers and admins are staff (they use the Django admin); developers and
    moderators are not. Only the Admin role keeps an existing superuser flag.
    """
    from django.contrib.auth.models import Group

    role = Role(role)
    with transaction.atomic():
        user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(name=role.value))
        group, _created = Group.objects.get_or_create(name=role.value)
        user.groups.add(group)
        user.is_staff = role.is_staff
        if role != Role.ADMIN:
            user.is_superuser = False
        user.full_clean()
        user.save(update_fields=["is_staff", "is_superuser"])
    return user


def account_delete(*, user: User) -> None:
    """Delete the account and the personal data kept about it.

    Deleting the User row cascades to the profile, email addresses, API keys, jobs and
    other owned rows; authored community content stays with a null author ("deleted
    user"). Login-throttling records keyed by the email address go as well. A notice
    is mailed to the address once the deletion has committed.
    """
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    email, user_id = user.email, user.pk
    with transaction.atomic():
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username__iexact=email).delete()
        user.delete()
    transaction.on_commit(lambda: _send_account_deleted_notice(email=email))
    logger.info("account deleted: user id %s", user_id)


def account_login_unlock(*, user: User) -> None:
    """Lift every login lockout on the account (from any address)."""
    from axes.utils import reset

    reset(username=user.email.lower())


def _send_account_deleted_notice(*, email: str) -> None:
    from allauth.account.adapter import get_adapter

    get_adapter().send_mail("account/email/account_deleted", email, {"email": email})


def site_ensure() -> Site:
    """Name the current Site "Atrium" at SITE_URL's host if it still has Django's default.

    The data migration does this once; this repeats it after a database flush (tests),
    when django.contrib.sites recreates example.com.
    """
    site, _created = Site.objects.get_or_create(
        pk=settings.SITE_ID, defaults={"domain": site_domain(), "name": "Atrium"}
    )
    if site.domain == "example.com":
        site.domain = site_domain()
        site.name = "Atrium"
        site.save(update_fields=["domain", "name"])
    return site


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).netloc or "127.0.0.1:8000"
