"""Dispatch one inference request to the `inference` queue and follow its events.

The web tier enqueues the task (plain JSON kwargs, never a key), waits for a worker's
``accepted`` event within GATEWAY_DISPATCH_TIMEOUT_SECONDS (503 with Retry-After
otherwise, and the queued task expires unserved), then reads the request's Redis
stream. A caller that goes away (client disconnect cancels the view) asks the worker
to stop with ``protocol.request_cancel``.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from celery import current_app
from django.conf import settings

from sandbox.inference import protocol

from .errors import OpenAIError

logger = logging.getLogger(__name__)


def _send(task_name: str, kwargs: dict, expires: float) -> None:
    current_app.send_task(task_name, kwargs=kwargs, queue=protocol.INFERENCE_QUEUE, expires=expires)


def unavailable(message: str = "No worker could take your request right now. Please retry shortly.") -> OpenAIError:
    retry_after = max(1, math.ceil(settings.GATEWAY_DISPATCH_TIMEOUT_SECONDS / 2))
    return OpenAIError(
        503, message, type="server_error", code="model_unavailable", headers={"Retry-After": str(retry_after)}
    )


def error_from_event(event: dict) -> OpenAIError:
    status = int(event.get("status") or 500)
    error = OpenAIError(
        status, event.get("message") or "The model failed.", code=event.get("code"), param=event.get("param")
    )
    if status == 503:
        error.headers["Retry-After"] = str(max(1, math.ceil(settings.GATEWAY_DISPATCH_TIMEOUT_SECONDS / 2)))
    return error


class Dispatch:
    """One request on its way through a worker. Iterate ``events()`` once."""

    def __init__(self, *, redis, task_name: str, model: str, params: dict):
        self.redis = redis
        self.request_id = protocol.new_request_id()
        self.task_name = task_name
        self.kwargs = {"request_id": self.request_id, "model": model, **params}
        self.finished = False

    async def events(self) -> AsyncIterator[dict]:
        """Yield delta/finish/embeddings events; ends after ``usage``; raises OpenAIError on
        an ``error`` event, 503 when no worker accepts in time or one goes silent."""
        dispatch_timeout = settings.GATEWAY_DISPATCH_TIMEOUT_SECONDS
        await sync_to_async(_send, thread_sensitive=False)(self.task_name, self.kwargs, dispatch_timeout)
        stream = protocol.aread_events(
            self.redis, self.request_id, timeout=settings.GATEWAY_STREAM_IDLE_TIMEOUT_SECONDS
        )
        try:
            try:
                first = await asyncio.wait_for(anext(stream), timeout=dispatch_timeout)
            except (TimeoutError, StopAsyncIteration):
                await self.cancel()
                raise unavailable() from None
            event = first
            while True:
                kind = event.get("type")
                if kind == "error":
                    self.finished = True
                    raise error_from_event(event)
                if kind != "accepted":
                    yield event
                if kind == "usage":
                    self.finished = True
                    return
                try:
                    event = await anext(stream)
                except TimeoutError:
                    await self.cancel()
                    raise unavailable("The model stopped responding. Please retry.") from None
                except StopAsyncIteration:
                    return
        except (asyncio.CancelledError, GeneratorExit):
            # The client went away: stop the generation on the worker.
            if not self.finished:
                await self.cancel()
            raise
        finally:
            await stream.aclose()

    async def cancel(self) -> None:
        try:
            await self.redis.set(protocol.cancel_key(self.request_id), "1", ex=protocol.STREAM_TTL_SECONDS)
        except Exception:  # best effort: the stream TTL cleans up anyway
            logger.warning("could not request cancellation of %s", self.request_id)
