"""Durable Redis streams: append behind the request path, store in batches from a worker.

Usage metering (``sandbox.usage``) and the activity stream (``community.activity``) both
take writes off the request path the same way: the request appends one JSON entry to a
Redis stream, which outlives any web process, and a beat task reads the stream through
a consumer group, stores a batch in the database, and only then acknowledges (and
deletes) the entries. A consumer that dies half-way leaves its entries pending; the next
run claims those idle for ``claim_idle_ms`` and stores them again, so ``store`` must be
idempotent (skip what is stored already). Delivery is at least once; storage, with an
idempotent ``store``, exactly once.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable

from portal.redis_client import get_redis

FIELD = "r"


class DurableStream:
    """One stream and its consumer group; entries are JSON objects (plain ids, numbers, strings)."""

    def __init__(self, name: str, *, group: str, claim_idle_ms: int = 60_000):
        self.name = name
        self.group = group
        self.claim_idle_ms = claim_idle_ms

    def __repr__(self) -> str:
        return f"DurableStream({self.name!r}, group={self.group!r})"

    @staticmethod
    def _entry(payload: dict) -> dict:
        return {FIELD: json.dumps(payload, default=str)}

    def append(self, payload: dict, *, pipe=None) -> None:
        """Append one entry, on ``pipe`` (a sync or asyncio pipeline the caller executes) when given."""
        (pipe if pipe is not None else get_redis()).xadd(self.name, self._entry(payload))

    def _ensure_group(self, redis) -> None:
        try:
            redis.xgroup_create(self.name, self.group, id="0", mkstream=True)
        except Exception as exc:  # BUSYGROUP: it exists already
            if "BUSYGROUP" not in str(exc):
                raise

    def consume(
        self,
        store: Callable[[list[dict]], int],
        *,
        batch_size: int = 1000,
        max_batches: int = 50,
        claim_idle_ms: int | None = None,
    ) -> int:
        """Hand batches of entries to ``store`` (which commits them), acknowledging each batch
        only after ``store`` returned; returns the sum of what ``store`` returned.

        Entries a dead consumer left pending for ``claim_idle_ms`` come first, then new ones.
        An exception from ``store`` leaves its batch pending for a later run.
        """
        redis = get_redis()
        self._ensure_group(redis)
        consumer = f"{socket.gethostname()}-{os.getpid()}"
        idle = self.claim_idle_ms if claim_idle_ms is None else claim_idle_ms
        _next, claimed, *_ = redis.xautoclaim(
            self.name, self.group, consumer, min_idle_time=idle, start_id="0-0", count=batch_size
        )
        pending = list(claimed)
        total = 0
        for _ in range(max_batches):
            entries = pending
            pending = []
            if not entries:
                result = redis.xreadgroup(self.group, consumer, {self.name: ">"}, count=batch_size)
                entries = result[0][1] if result else []
            if not entries:
                break
            # A claimed entry deleted meanwhile comes back without fields.
            payloads = [json.loads(fields[FIELD.encode()]) for _entry_id, fields in entries if fields]
            if payloads:
                total += store(payloads)
            ids = [entry_id for entry_id, _fields in entries]
            redis.xack(self.name, self.group, *ids)
            redis.xdel(self.name, *ids)
        return total

    def pending_count(self) -> int:
        """Entries delivered to a consumer and not acknowledged yet (for tests and health checks)."""
        redis = get_redis()
        self._ensure_group(redis)
        return redis.xpending(self.name, self.group)["pending"]
