"""Celery tasks of the `inference` queue: thin adapters over the engine.

The tasks take plain JSON arguments (see protocol.py), publish events to the request's
stream, and never raise to Celery for user errors: those go to the caller as an `error`
event. Heavy modules (torch, transformers) are imported inside the engine, only here
on the workers, never in the web process.
"""

import logging
import socket

from celery import shared_task

from portal.redis_client import get_redis

from . import protocol

logger = logging.getLogger(__name__)


@shared_task(name=protocol.GENERATE_TASK, queue=protocol.INFERENCE_QUEUE, acks_late=False, ignore_result=True)
def generate(*, request_id: str, model: str, **params) -> None:
    """Generate completions for one chat or completion request."""
    from .service import run_generation

    publisher = protocol.EventPublisher(get_redis(), request_id)
    publisher.publish({"type": "accepted", "worker": socket.gethostname()})
    try:
        run_generation(publisher=publisher, model_id=model, params=params)
    except Exception:
        logger.exception("generation failed for %s", request_id)
        publisher.error(status=500, code="server_error", message="The model failed to generate a response.")


@shared_task(name=protocol.EMBED_TASK, queue=protocol.INFERENCE_QUEUE, acks_late=False, ignore_result=True)
def embed(*, request_id: str, model: str, inputs: list[str]) -> None:
    """Embed a batch of input strings."""
    from .service import run_embedding

    publisher = protocol.EventPublisher(get_redis(), request_id)
    publisher.publish({"type": "accepted", "worker": socket.gethostname()})
    try:
        run_embedding(publisher=publisher, model_id=model, inputs=inputs)
    except Exception:
        logger.exception("embedding failed for %s", request_id)
        publisher.error(status=500, code="server_error", message="The model failed to embed the input.")
