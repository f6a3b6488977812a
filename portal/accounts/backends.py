"""Django's model backend, tuned for what every signed-in page needs.

- Sign-ins by email and password end up here, so sessions load their user through
  :meth:`get_user`, which brings the profile (the nav shows its name) in the same query.
- Every signed-in page asks about permissions (the nav, the forum's moderation tools),
  and Django's ModelBackend answers with two queries per request. Here the sets are
  cached in Redis under a generation that any change to groups, permissions or
  memberships moves (see ``permissions_changed``), so a revoked role stops working on the
  next request.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

User = get_user_model()
GENERATION_KEY = "auth:perms:generation"
TTL = 3600
SETS = ("user", "group")  # ModelBackend's two kinds of permission


class CachedPermissionsBackend(ModelBackend):
    def get_user(self, user_id):
        user = User.objects.select_related("profile").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super()._get_permissions(user_obj, obj, from_name)
        attribute = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, attribute):
            # One round trip: the generation and the sets, stamped with the generation they
            # were read under (read first, so a change made meanwhile is not stamped as seen).
            key = f"auth:perms:{user_obj.pk}:{user_obj.is_superuser}"
            found = cache.get_many([GENERATION_KEY, key])
            generation = found.get(GENERATION_KEY, "0")
            entry = found.get(key)
            if entry is None or entry[0] != generation:
                sets = {}
                for name in SETS:
                    sets[name] = super()._get_permissions(user_obj, obj, name)
                entry = (generation, sets)
                cache.set(key, entry, TTL)
            for name, perms in entry[1].items():
                setattr(user_obj, f"_{name}_perm_cache", perms)
        return getattr(user_obj, attribute)


def permissions_changed(**kwargs) -> None:
    """Forget every cached permission set: now, and again on commit."""

    def bump() -> None:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)
