"""Reads for API keys: the owner's list, and the gateway's lookup by secret."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from portal.asyncdb import database_sync_to_async

from . import cache, keyformat
from .models import ApiKey

# A key's scopes, for the apps that check them (they never import models.py).
Scope = ApiKey.Scope


def api_keys_for_user(*, user) -> QuerySet[ApiKey]:
    return ApiKey.objects.for_user(user).order_by("-created_at", "-id")


def api_key_get_for_user(*, user, pk: int) -> ApiKey:
    """The caller's own key, or 404 (someone else's key is indistinguishable from none)."""
    return get_object_or_404(ApiKey.objects.for_user(user), pk=pk)


def _grant_from_db(secret_hash: str) -> cache.KeyGrant | None:
    key = ApiKey.objects.select_related("user").filter(secret_hash=secret_hash).first()
    return cache.KeyGrant.from_key(key) if key is not None else None


def api_key_grant(*, secret: str) -> cache.KeyGrant | None:
    """The grant for a presented secret (live or not), or None when no such key exists.

    Malformed secrets (shape or checksum) return None without touching Redis or the
    database.
    """
    from portal.redis_client import get_redis

    if not keyformat.is_well_formed(secret):
        return None
    secret_hash = keyformat.hash_secret(secret)
    redis = get_redis()
    raw = redis.get(cache.cache_key(secret_hash))
    if raw is not None:
        return cache.KeyGrant.loads(raw)
    grant = _grant_from_db(secret_hash)
    if grant is not None:
        redis.set(cache.cache_key(secret_hash), grant.dumps(), ex=cache.CACHE_SECONDS, nx=True)
    return grant


async def aapi_key_grant(*, secret: str, redis) -> cache.KeyGrant | None:
    """As api_key_grant, for the async gateway (``redis`` is an asyncio client)."""
    if not keyformat.is_well_formed(secret):
        return None
    secret_hash = keyformat.hash_secret(secret)
    raw = await redis.get(cache.cache_key(secret_hash))
    if raw is not None:
        return cache.KeyGrant.loads(raw)
    grant = await database_sync_to_async(_grant_from_db)(secret_hash)
    if grant is not None:
        await redis.set(cache.cache_key(secret_hash), grant.dumps(), ex=cache.CACHE_SECONDS, nx=True)
    return grant


def key_holders_count(*, user_ids) -> int:
    """How many of these users (ids or a values("id") queryset) ever created a key."""
    return ApiKey.objects.filter(user__in=user_ids).values("user").distinct().count()


def live_key_count(*, user) -> int:
    return ApiKey.objects.for_user(user).live().count()


def api_key_latest_for_user(*, user) -> ApiKey | None:
    """The user's newest usable key (the docs' examples hint at it), or None."""
    if not user.is_authenticated:
        return None
    return ApiKey.objects.for_user(user).live().order_by("-created_at", "-id").first()


def api_key_ids_existing(*, ids) -> set[int]:
    """Which of these key ids still exist (a deleted key's usage keeps no reference)."""
    return set(ApiKey.objects.filter(pk__in=ids).values_list("pk", flat=True))


def api_key_live_with_owner(*, key_id: int) -> ApiKey | None:
    """The key with its owner while it can be used (live, owner active), else None."""
    key = ApiKey.objects.select_related("user").filter(pk=key_id).first()
    if key is None or not key.is_live() or not key.user.is_active:
        return None
    return key
