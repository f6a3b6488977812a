"""Django's model backend, tuned for what every signed-in page needs.

- Sign-ins by email and password end up here, so sessions load their user through
  :meth:`get_user`, which brings the profile (the nav shows its name) along, and keeps
  the pair in Redis, stamped with the user's version, which every save or delete of
  either moves (see ``user_changed``): a signed-in page then loads its reader without a
  query. Deactivating an account or changing its password goes through ``save()``, so it
  applies on the next request.
- Every signed-in page asks about permissions (the nav, the forum's moderation tools),
  and Django's ModelBackend answers with two queries per request. Here the sets are
  cached in Redis under a generation that any change to groups, permissions or
  memberships moves (see ``permissions_changed``), so a revoked role stops working on the
  next request. :meth:`get_user` reads them with the user, in the same round trip.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from portal import cache_versions

User = get_user_model()
GENERATION_KEY = "auth:perms:generation"
TTL = 3600
USER_KEY = "auth:user:v3:{}"  # v3: User.language
USER_VERSION_KEY = "auth:user:version:{}"
PERMISSIONS_KEY = "auth:perms:v2:{}"
SETS = ("user", "group")  # ModelBackend's two kinds of permission


class CachedPermissionsBackend(ModelBackend):
    def get_user(self, user_id):
        # One round trip: the user with its version, and the permission sets signed-in
        # pages ask about. The user is stamped with the version read before the database
        # was, so a save that lands meanwhile leaves a stamp that no longer matches.
        user_key, version_key = USER_KEY.format(user_id), USER_VERSION_KEY.format(user_id)
        permissions_key = PERMISSIONS_KEY.format(user_id)
        found = cache.get_many([user_key, version_key, GENERATION_KEY, permissions_key])
        version = found.get(version_key, cache_versions.UNSET)
        entry = found.get(user_key)
        if entry is not None and entry[0] == version:
            user = entry[1]
        else:
            user = User.objects.select_related("profile").filter(pk=user_id).first()
            if user is None:
                return None
            cache.set(user_key, (version, user), TTL)
        if not self.user_can_authenticate(user):
            return None
        _attach_permissions(user, found.get(GENERATION_KEY, cache_versions.UNSET), found.get(permissions_key))
        return user

    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super()._get_permissions(user_obj, obj, from_name)
        attribute = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, attribute):
            # The generation and the sets in one round trip; the sets are stamped with the
            # generation read before them, so a change made meanwhile is not stamped as seen.
            key = PERMISSIONS_KEY.format(user_obj.pk)
            found = cache.get_many([GENERATION_KEY, key])
            generation = found.get(GENERATION_KEY, cache_versions.UNSET)
            if not _attach_permissions(user_obj, generation, found.get(key)):
                sets = {}
                for name in SETS:
                    sets[name] = super()._get_permissions(user_obj, obj, name)
                entry = (generation, user_obj.is_superuser, sets)
                cache.set(key, entry, TTL)
                _attach_permissions(user_obj, generation, entry)
        return getattr(user_obj, attribute)


def _attach_permissions(user, generation: str, entry) -> bool:
    """Give `user` the cached permission sets, if they were read under this generation
    (and while the account had its present superuser flag)."""
    if entry is None or entry[0] != generation or entry[1] != user.is_superuser:
        return False
    for name, perms in entry[2].items():
        setattr(user, f"_{name}_perm_cache", perms)
    return True


def permissions_changed(**kwargs) -> None:
    """Forget every cached permission set."""
    cache_versions.move(GENERATION_KEY)


def user_changed(sender, instance, **kwargs) -> None:
    """A User or its Profile was saved or deleted: move the user's version."""
    user_id = instance.pk if sender is User else instance.user_id
    cache_versions.move(USER_VERSION_KEY.format(user_id), timeout=2 * TTL)
