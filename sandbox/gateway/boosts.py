"""Rate-limit boosts: periods during which a member's per-minute limits are multiplied.

The limiter reads the multiplier in force from Redis (``atrium:rl:boost:<user>``), never
from the database on the hot path: the value is stored with a time to live that ends
exactly when it stops being true (the boost ends, or a queued one starts), so a boost
drops at its expiry without a sweeper. A miss (none stored yet, or Redis was emptied)
reads the table once and stores the answer; "no boost" is stored too, for an hour.

A grant publishes the new multiplier after its transaction commits, overwriting whatever
was stored; a reader that computed its answer before that commit only writes when nothing
is stored (``SET NX``), so a stale "no boost" can never hide a fresh grant.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.redis_client import get_redis

from .models import RateLimitBoost

NO_BOOST = Decimal("1")
# How long a computed answer is kept at most (a grant overwrites it at once anyway).
CACHE_MAX_MS = 3_600_000


def cache_key(user_id: int) -> str:
    return f"atrium:rl:boost:{user_id}"


def _state(user_id: int, now: datetime) -> tuple[Decimal, int]:
    """The multiplier in force at ``now`` and for how many milliseconds it stays so."""
    rows = list(
        RateLimitBoost.objects.filter(user_id=user_id, ends__gt=now).values_list("multiplier", "starts", "ends")
    )
    multiplier = max((m for m, starts, _ends in rows if starts <= now), default=NO_BOOST)
    changes = [starts for _m, starts, _ends in rows if starts > now] + [ends for _m, _starts, ends in rows]
    if not changes:
        return multiplier, CACHE_MAX_MS
    until_ms = math.floor((min(changes) - now).total_seconds() * 1000)
    return multiplier, max(1, min(until_ms, CACHE_MAX_MS))


def _store(redis, user_id: int, multiplier: Decimal, ttl_ms: int, *, overwrite: bool):
    return redis.set(cache_key(user_id), str(multiplier), px=ttl_ms, nx=not overwrite)


def rate_limit_multiplier(*, user_id: int) -> Decimal:
    """The multiplier in force for ``user_id`` now (1 without a boost); synchronous callers."""
    redis = get_redis()
    raw = redis.get(cache_key(user_id))
    if raw is not None:
        return Decimal(raw.decode())
    multiplier, ttl_ms = _state(user_id, timezone.now())
    _store(redis, user_id, multiplier, ttl_ms, overwrite=False)
    return multiplier


async def arate_limit_multiplier(*, user_id: int, redis) -> Decimal:
    """As ``rate_limit_multiplier``, for the event loop: one GET, the table only on a miss."""
    from portal.asyncdb import database_sync_to_async

    raw = await redis.get(cache_key(user_id))
    if raw is not None:
        return Decimal(raw.decode())
    multiplier, ttl_ms = await database_sync_to_async(_state)(user_id, timezone.now())
    await redis.set(cache_key(user_id), str(multiplier), px=ttl_ms, nx=True)
    return multiplier


def rate_limit_multiplier_publish(*, user_id: int) -> Decimal:
    """Recompute the multiplier from the table and store it, overwriting the cached one."""
    multiplier, ttl_ms = _state(user_id, timezone.now())
    _store(get_redis(), user_id, multiplier, ttl_ms, overwrite=True)
    return multiplier


def rate_limit_boost_grant(*, user_id: int, multiplier: Decimal, duration: timedelta, reference: str) -> RateLimitBoost:
    """Multiply ``user_id``'s per-minute limits by ``multiplier`` for ``duration``.

    Idempotent by ``reference``: a second call with it returns the first boost. A boost
    starts now, unless one of at least the same multiplier is still running: then it
    starts when the last such one ends, so redeeming the same boost twice extends it
    instead of overlapping. Takes effect as soon as the caller's transaction commits.
    """
    multiplier = Decimal(multiplier)
    if duration <= timedelta(0):
        raise ValueError("A boost needs a positive duration.")
    with transaction.atomic():
        # One member's grants one at a time (the same lock the credit ledger takes).
        get_user_model().objects.select_for_update().filter(pk=user_id).first()
        existing = RateLimitBoost.objects.filter(reference=reference).first()
        if existing is not None:
            return existing
        now = timezone.now()
        running_until = (
            RateLimitBoost.objects.filter(user_id=user_id, ends__gt=now, multiplier__gte=multiplier)
            .order_by("-ends")
            .values_list("ends", flat=True)
            .first()
        )
        starts = max(now, running_until) if running_until else now
        boost = RateLimitBoost(
            user_id=user_id, multiplier=multiplier, starts=starts, ends=starts + duration, reference=reference
        )
        boost.full_clean()
        try:
            with transaction.atomic():
                boost.save()
        except IntegrityError:
            return RateLimitBoost.objects.get(reference=reference)
        transaction.on_commit(lambda: rate_limit_multiplier_publish(user_id=user_id))
    return boost


def rate_limit_boosts_for_user(*, user_id: int, now: datetime | None = None):
    """The member's boosts still running or queued, soonest first."""
    now = now or timezone.now()
    return RateLimitBoost.objects.filter(user_id=user_id, ends__gt=now).order_by("starts", "id")
