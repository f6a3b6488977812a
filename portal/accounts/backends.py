"""Django's model backend, with each member's permission sets cached between requests.

Every signed-in page asks about permissions (the nav, the forum's moderation tools), and
Django's ModelBackend answers with two queries per request. Here the sets are cached in
Redis under a generation that any change to groups, permissions or memberships moves
(see ``permissions_changed``), so a revoked role stops working on the next request.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "auth:perms:generation"
TTL = 3600


class CachedPermissionsBackend(ModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super()._get_permissions(user_obj, obj, from_name)
        attribute = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, attribute):
            generation = cache.get(GENERATION_KEY, "0")
            key = f"auth:perms:{generation}:{user_obj.pk}:{from_name}:{user_obj.is_superuser}"
            perms = cache.get(key)
            if perms is None:
                perms = super()._get_permissions(user_obj, obj, from_name)
                cache.set(key, perms, TTL)
            setattr(user_obj, attribute, perms)
        return getattr(user_obj, attribute)


def permissions_changed(**kwargs) -> None:
    """Forget every cached permission set: now, and again on commit."""

    def bump() -> None:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)
