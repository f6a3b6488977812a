"""One asyncio Redis client per event loop (asyncio clients are bound to their loop)."""

from __future__ import annotations

import asyncio
import weakref

from portal.redis_client import get_async_redis

_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def async_redis():
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = _clients[loop] = get_async_redis()
    return client
