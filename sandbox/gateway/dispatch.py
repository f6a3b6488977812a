"""Dispatch one inference request to the `inference` queue and follow its events.

The web tier enqueues the task (plain JSON kwargs, never a key), waits for a worker's
``accepted`` event within GATEWAY_DISPATCH_TIMEOUT_SECONDS (503 with Retry-After
otherwise, and the queued task expires unserved), then reads the request's Redis
stream. A caller that goes away (client disconnect cancels the view) asks the worker
to stop with ``protocol.request_cancel``.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import uuid
import weakref
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import redis.asyncio
from asgiref.sync import sync_to_async
from celery import current_app
from django.conf import settings
from kombu.serialization import dumps as serialize
from kombu.utils.json import dumps as kombu_dumps

from sandbox.inference import protocol

from .errors import OpenAIError

logger = logging.getLogger(__name__)

# One asyncio client per event loop for the Celery broker (when it is a plain Redis URL).
_broker_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _send(task_name: str, kwargs: dict, expires: float) -> None:
    current_app.send_task(task_name, kwargs=kwargs, queue=protocol.INFERENCE_QUEUE, expires=expires)


def _direct_broker_url() -> str | None:
    """The broker URL when tasks can be pushed straight onto its Redis list, else None.

    That is a plain ``redis://`` broker (no TLS options, key prefix or sentinel)
    with the default anonymous-exchange routing Celery uses for the inference queue.
    """
    app = current_app
    url = app.conf.broker_url or ""
    options = app.conf.broker_transport_options or {}
    if urlsplit(url).scheme != "redis" or options.get("global_keyprefix"):
        return None
    if app.conf.task_send_sent_event:
        return None
    return url


def _broker_redis(url: str):
    loop = asyncio.get_running_loop()
    client = _broker_clients.get(loop)
    if client is None or client._atrium_url != url:
        client = redis.asyncio.Redis.from_url(url)
        client._atrium_url = url
        _broker_clients[loop] = client
    return client


def task_message(task_name: str, kwargs: dict, expires: float) -> bytes:
    """The broker message ``send_task(..., queue=INFERENCE_QUEUE, expires=...)`` puts on
    the queue's Redis list: Celery's own task headers and body (protocol 2), in kombu's
    Redis transport envelope, routed by the anonymous exchange as Celery routes a direct
    queue."""
    app = current_app
    task_id = str(uuid.uuid4())
    headers, properties, body, _sent_event = app.amqp.create_task_message(
        task_id,
        task_name,
        (),
        kwargs,
        expires=expires,
        reply_to=app.thread_oid,
        ignore_result=True,
        # What workers log and monitors show: the request, not the prompt (and no repr
        # of the whole prompt on the hot path).
        argsrepr="()",
        kwargsrepr=repr({"request_id": kwargs.get("request_id"), "model": kwargs.get("model")}),
    )
    content_type, content_encoding, data = serialize(body, serializer=app.conf.task_serializer)
    if isinstance(data, str):
        data = data.encode(content_encoding or "utf-8")
    properties.update(
        delivery_mode=2,
        expiration=str(int(expires * 1000)),  # as kombu's Producer.publish sends it
        delivery_info={"exchange": "", "routing_key": protocol.INFERENCE_QUEUE},
        priority=0,
        body_encoding="base64",
        delivery_tag=str(uuid.uuid4()),
    )
    envelope = {
        "body": base64.b64encode(data).decode(),
        "content-encoding": content_encoding,
        "content-type": content_type,
        "headers": headers,
        "properties": properties,
    }
    return kombu_dumps(envelope).encode()


async def send_task(task_name: str, kwargs: dict, expires: float) -> None:
    """Enqueue an inference task without leaving the event loop where the broker allows
    (one LPUSH on an asyncio client, as kombu's Redis transport publishes); otherwise
    through Celery in a thread. Celery's publish signals are not sent on the direct path."""
    url = _direct_broker_url()
    if url is None:
        await sync_to_async(_send, thread_sensitive=False)(task_name, kwargs, expires)
        return
    await _broker_redis(url).lpush(protocol.INFERENCE_QUEUE, task_message(task_name, kwargs, expires))


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

    def __init__(self, *, redis, task_name: str, model: str, params: dict, request_id: str | None = None):
        self.redis = redis
        self.request_id = request_id or protocol.new_request_id()
        self.task_name = task_name
        self.kwargs = {"request_id": self.request_id, "model": model, **params}
        self.finished = False

    async def events(self) -> AsyncIterator[dict]:
        """Yield delta/finish/embeddings events; ends after ``usage``; raises OpenAIError on
        an ``error`` event, 503 when no worker accepts in time or one goes silent."""
        dispatch_timeout = settings.GATEWAY_DISPATCH_TIMEOUT_SECONDS
        await send_task(self.task_name, self.kwargs, dispatch_timeout)
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
