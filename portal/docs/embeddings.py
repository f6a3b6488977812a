"""Sentence embeddings for docs search, computed by an inference worker.

The web process never loads a model: it sends the engine's embed task to the
`inference` queue and reads the `embeddings` event from the request's Redis stream
(sandbox/inference/protocol.py). When no worker answers in time, callers fall back to
full-text search.
"""

from __future__ import annotations

import hashlib
import math
import time

from celery import current_app
from django.core.cache import cache

from portal.redis_client import get_redis
from sandbox.inference import protocol

EMBEDDING_MODEL = "all-minilm-l6-v2"
QUERY_CACHE_SECONDS = 24 * 3600


class EmbeddingUnavailable(Exception):
    """No worker answered in time, or the model could not embed the input."""


def _normalized(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def embed_texts(texts: list[str], *, timeout: float) -> list[list[float]]:
    """Unit-length embeddings of ``texts``, or EmbeddingUnavailable within ``timeout`` seconds."""
    if not texts:
        return []
    request_id = protocol.new_request_id()
    deadline = time.monotonic() + timeout
    current_app.send_task(
        protocol.EMBED_TASK,
        kwargs={"request_id": request_id, "model": EMBEDDING_MODEL, "inputs": texts},
        queue=protocol.INFERENCE_QUEUE,
        # A query nobody is waiting for any more is not worth a worker's time.
        expires=timeout + 5,
    )
    try:
        for event in protocol.read_events(get_redis(), request_id, timeout=timeout):
            if event["type"] == "embeddings":
                return [_normalized(v) for v in event["data"]]
            if event["type"] == "error":
                raise EmbeddingUnavailable(event.get("message", "embedding failed"))
            if time.monotonic() > deadline:
                break
    except TimeoutError:
        pass
    raise EmbeddingUnavailable(f"no embedding within {timeout}s")


def embed_query(query: str, *, timeout: float) -> list[float]:
    """The embedding of a search query, cached: popular queries skip the worker."""
    key = "docs:qembed:" + hashlib.sha256(f"{EMBEDDING_MODEL}\0{query}".encode()).hexdigest()
    vector = cache.get(key)
    if vector is None:
        vector = embed_texts([query], timeout=timeout)[0]
        cache.set(key, vector, QUERY_CACHE_SECONDS)
    return vector


def cosine(a: list[float], b: list[float]) -> float:
    """Cosine similarity of two unit vectors."""
    return sum(x * y for x, y in zip(a, b, strict=False))
