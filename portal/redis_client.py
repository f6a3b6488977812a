"""Shared Redis clients (rate limits, token streams), built from settings.REDIS_URL."""

from functools import lru_cache

import redis
import redis.asyncio
from django.conf import settings


@lru_cache(maxsize=4)
def _sync_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, health_check_interval=30)


def get_redis() -> redis.Redis:
    return _sync_client(settings.REDIS_URL)


def get_async_redis() -> redis.asyncio.Redis:
    """A client for the running event loop (asyncio clients are bound to their loop)."""
    return redis.asyncio.Redis.from_url(settings.REDIS_URL)
