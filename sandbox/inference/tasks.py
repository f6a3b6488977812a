"""Celery tasks of the `inference` queue: thin adapters over the engine.

The tasks take plain JSON arguments (see protocol.py), publish events to the request's
stream, and never raise to Celery for user errors: those go to the caller as an `error`
event. Heavy modules (torch, transformers) are imported inside the engine, only here
on the workers, never in the web process.

A request is acknowledged only once it has been served (``acks_late``), so a worker that
crashes does not lose it: the broker hands it to another worker. That worker starts it
over when the caller has seen no output yet, and otherwise ends the stream with a 503
``worker_lost`` error (the caller already holds part of an answer that cannot be resumed).
"""

import logging
import socket

from celery import shared_task

from portal.redis_client import get_redis

from . import protocol

logger = logging.getLogger(__name__)

TASK_OPTIONS = {
    "queue": protocol.INFERENCE_QUEUE,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
}


def _start(request_id: str) -> protocol.EventPublisher | None:
    """Announce the request; None when a previous delivery already answered it."""
    publisher = protocol.EventPublisher(get_redis(), request_id)
    # The redelivery check and the announcement are one round trip (and atomic).
    outcome = publisher.accept({"type": "accepted", "worker": socket.gethostname()})
    if outcome == "finished":
        return None
    if outcome == "partial":
        publisher.error(
            status=503,
            code="worker_lost",
            message="The worker serving this request stopped before it finished. Please retry.",
        )
        return None
    return publisher


@shared_task(name=protocol.GENERATE_TASK, **TASK_OPTIONS)
def generate(*, request_id: str, model: str, **params) -> None:
    """Generate completions for one chat or completion request."""
    from .service import run_generation

    publisher = _start(request_id)
    if publisher is None:
        return
    try:
        run_generation(publisher=publisher, model_id=model, params=params)
    except Exception:
        logger.exception("generation failed for %s", request_id)
        publisher.error(status=500, code="server_error", message="The model failed to generate a response.")


@shared_task(name=protocol.EMBED_TASK, **TASK_OPTIONS)
def embed(*, request_id: str, model: str, inputs: list[str]) -> None:
    """Embed a batch of input strings."""
    from .service import run_embedding

    publisher = _start(request_id)
    if publisher is None:
        return
    try:
        run_embedding(publisher=publisher, model_id=model, inputs=inputs)
    except Exception:
        logger.exception("embedding failed for %s", request_id)
        publisher.error(status=500, code="server_error", message="The model failed to embed the input.")
