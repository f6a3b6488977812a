"""Load the public models into an `inference` worker as soon as it is ready, so the
first request after a (re)start does not pay for loading weights."""

import logging
import threading

from celery.signals import worker_ready
from django.conf import settings

from .protocol import INFERENCE_QUEUE

logger = logging.getLogger(__name__)


def warm_public_models() -> None:
    from sandbox.registry.selectors import Backend, public_models_to_serve

    from .engine import ModelUnavailable, get_engine
    from .generation import spec_for

    engine = get_engine()
    for model in public_models_to_serve():
        load = engine.embedder if model.backend == Backend.SENTENCE_EMBEDDING else engine.causal_lm
        try:
            load(spec_for(model))
            logger.info("warmed %s", model.model_id)
        except ModelUnavailable as exc:
            logger.warning("could not warm %s: %s", model.model_id, exc)


@worker_ready.connect(dispatch_uid="inference.warm_public_models")
def warm_on_ready(sender=None, **kwargs) -> None:
    queues = {queue.name for queue in getattr(getattr(sender, "task_consumer", None), "queues", [])}
    if not settings.INFERENCE_PRELOAD or INFERENCE_QUEUE not in queues:
        return
    threading.Thread(target=warm_public_models, name="inference-warmup", daemon=True).start()
