from django.db import IntegrityError, transaction
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from .models import Profile, User


def _handle_candidate(email: str) -> str:
    base = slugify(email.split("@", 1)[0])[:30] or "dev"
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
            handle = f"{base}-{get_random_string(4, 'abcdefghijklmnopqrstuvwxyz0123456789')}"
    raise RuntimeError("could not allocate a unique handle")
