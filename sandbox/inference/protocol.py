"""The contract between the /v1 gateway (web tier) and inference workers.

The gateway enqueues a Celery task on the `inference` queue (task names below) with a
fresh ``request_id`` and plain JSON arguments (never an API key). The worker publishes
events to a Redis stream named by the request id; the gateway reads them and streams
tokens to the client as they arrive. The gateway asks for cancellation (client gone) by
setting the cancel key, which the engine checks between decode steps.

Events (one JSON object per stream entry, field ``e``), in order:

- ``{"type": "accepted", "worker": "<hostname>"}``: a worker took the request. The
  gateway answers 503 when none arrives within its dispatch timeout.
- ``{"type": "delta", "index": i, "text": "..."}``: new text for choice ``i``.
- ``{"type": "finish", "index": i, "finish_reason": "stop" | "length"}``
- ``{"type": "embeddings", "data": [[float, ...], ...]}``: for embedding requests.
- ``{"type": "usage", "prompt_tokens": p, "completion_tokens": c}``: always last on success.
- ``{"type": "error", "status": 400|404|503|500, "code": "...", "message": "...", "param": ...}``:
  last on failure; the message is safe to show to the caller.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

GENERATE_TASK = "sandbox.inference.generate"
EMBED_TASK = "sandbox.inference.embed"
INFERENCE_QUEUE = "inference"

# A stream outlives its request only long enough for a slow reader to finish.
STREAM_TTL_SECONDS = 600

TERMINAL_TYPES = frozenset({"usage", "error"})

# Append events unless the caller asked to cancel, in one round trip: KEYS = stream,
# cancel key; ARGV = encoded events..., TTL. Returns 0 (nothing appended) when cancelled.
PUBLISH_UNLESS_CANCELLED_SCRIPT = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
for i = 1, #ARGV - 1 do
  redis.call('XADD', KEYS[1], '*', 'e', ARGV[i])
end
redis.call('EXPIRE', KEYS[1], ARGV[#ARGV])
return 1
"""

# A worker's start, in one round trip: what an earlier delivery of the request published
# ("finished": a terminal event, "partial": output, "none"), and on "none" the
# ``accepted`` event appended. KEYS = stream; ARGV = encoded accepted event, TTL.
ACCEPT_SCRIPT = """
local partial = false
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local fields = entry[2]
  for j = 1, #fields, 2 do
    if fields[j] == 'e' then
      local kind = cjson.decode(fields[j + 1])['type']
      if TERMINAL[kind] then return 'finished' end
      if kind ~= 'accepted' then partial = true end
    end
  end
end
if partial then return 'partial' end
redis.call('XADD', KEYS[1], '*', 'e', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 'none'
""".replace("TERMINAL[kind]", " or ".join(f"kind == '{t}'" for t in sorted(TERMINAL_TYPES)))


def _script(redis_client, name: str, source: str):
    """``source`` registered on this client (called by its SHA: EVALSHA), once per client."""
    attribute = f"_atrium_{name}_script"
    script = getattr(redis_client, attribute, None)
    if script is None:
        script = redis_client.register_script(source)
        setattr(redis_client, attribute, script)
    return script


def new_request_id() -> str:
    return f"req_{uuid.uuid4().hex}"


def stream_key(request_id: str) -> str:
    return f"atrium:inference:{request_id}:events"


def cancel_key(request_id: str) -> str:
    return f"atrium:inference:{request_id}:cancel"


def _decode(entry_fields: dict) -> dict[str, Any]:
    raw = entry_fields.get(b"e", entry_fields.get("e"))
    return json.loads(raw)


class EventPublisher:
    """Worker side: append events for one request to its stream."""

    def __init__(self, redis_client, request_id: str):
        self.redis = redis_client
        self.request_id = request_id
        self.key = stream_key(request_id)

    def publish(self, event: dict[str, Any]) -> None:
        pipe = self.redis.pipeline()
        pipe.xadd(self.key, {"e": json.dumps(event)})
        pipe.expire(self.key, STREAM_TTL_SECONDS)
        pipe.execute()

    def publish_many(self, events: list[dict[str, Any]]) -> None:
        """Append several events in one round trip (in order)."""
        if not events:
            return
        pipe = self.redis.pipeline()
        for event in events:
            pipe.xadd(self.key, {"e": json.dumps(event)})
        pipe.expire(self.key, STREAM_TTL_SECONDS)
        pipe.execute()

    def publish_unless_cancelled(self, events: list[dict[str, Any]]) -> bool:
        """Append ``events`` (in order) unless the caller asked to cancel, in one round trip.

        Returns False, having appended nothing, when the request is cancelled.
        """
        if not events:
            return not self.cancelled()
        script = _script(self.redis, "publish_unless_cancelled", PUBLISH_UNLESS_CANCELLED_SCRIPT)
        args = [json.dumps(event) for event in events] + [STREAM_TTL_SECONDS]
        return bool(script(keys=[self.key, cancel_key(self.request_id)], args=args))

    def accept(self, event: dict[str, Any]) -> str:
        """Publish ``event`` (``accepted``) unless an earlier delivery already published output.

        Returns what that delivery published: "none" (``event`` appended), "partial" or
        "finished" (nothing appended), checked and appended atomically in one round trip.
        """
        script = _script(self.redis, "accept", ACCEPT_SCRIPT)
        outcome = script(keys=[self.key], args=[json.dumps(event), STREAM_TTL_SECONDS])
        return outcome.decode() if isinstance(outcome, bytes) else outcome

    def cancelled(self) -> bool:
        return bool(self.redis.exists(cancel_key(self.request_id)))

    def error(self, *, status: int, code: str, message: str, param: str | None = None) -> None:
        self.publish({"type": "error", "status": status, "code": code, "message": message, "param": param})


def request_cancel(redis_client, request_id: str) -> None:
    redis_client.set(cancel_key(request_id), "1", ex=STREAM_TTL_SECONDS)


def read_events(redis_client, request_id: str, *, timeout: float, block_ms: int = 1000) -> Iterator[dict]:
    """Gateway side (sync): yield events until a terminal one.

    Raises TimeoutError when no event arrives for ``timeout`` seconds.
    """
    key, last_id = stream_key(request_id), "0-0"
    deadline = time.monotonic() + timeout
    while True:
        remaining_ms = int((deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            raise TimeoutError(request_id)
        result = redis_client.xread({key: last_id}, block=min(block_ms, remaining_ms), count=256)
        for _stream, entries in result or []:
            for entry_id, fields in entries:
                last_id = entry_id
                event = _decode(fields)
                yield event
                if event["type"] in TERMINAL_TYPES:
                    return
            deadline = time.monotonic() + timeout


async def aread_events(redis_client, request_id: str, *, timeout: float, block_ms: int = 1000) -> AsyncIterator[dict]:
    """Gateway side (async, redis.asyncio client): as read_events."""
    key, last_id = stream_key(request_id), "0-0"
    deadline = time.monotonic() + timeout
    while True:
        remaining_ms = int((deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            raise TimeoutError(request_id)
        result = await redis_client.xread({key: last_id}, block=min(block_ms, remaining_ms), count=256)
        for _stream, entries in result or []:
            for entry_id, fields in entries:
                last_id = entry_id
                event = _decode(fields)
                yield event
                if event["type"] in TERMINAL_TYPES:
                    return
            deadline = time.monotonic() + timeout
