"""Training throughput as the `training` workers measure it, per device kind and base model.

A job is charged its metered device-seconds, so the estimate predicts those: the start-up
(loading the base model and tokenizer, encoding the file) plus the trained tokens at the
rate the job's whole metered training time works out to. Each job that ran through in one
attempt reports both figures, from the metered seconds it is charged, to Redis under
``atrium:finetuning:throughput:<device>:<model_id>`` (the last few jobs, no expiry: a
worker measures; an idle queue does not make it forget). The estimate takes the median of
those and, before any job has run, the configured defaults (``FINETUNE_TOKENS_PER_SECOND``,
``FINETUNE_STARTUP_SECONDS``). This module imports no torch: the web tier reads it.
"""

from __future__ import annotations

import json
import logging
import statistics
import time
from dataclasses import dataclass

from django.conf import settings
from redis.exceptions import RedisError

from portal.redis_client import get_redis

logger = logging.getLogger(__name__)

KEY_PREFIX = "atrium:finetuning:throughput:"
SAMPLES_KEPT = 5


@dataclass(frozen=True)
class Throughput:
    """What one device kind does for one base model: seconds to start, tokens per second."""

    device: str
    model_id: str
    startup_seconds: float
    tokens_per_second: float
    measured_jobs: int  # 0 when these are the configured defaults

    @property
    def measured(self) -> bool:
        return self.measured_jobs > 0


def _key(device: str, model_id: str) -> str:
    return f"{KEY_PREFIX}{device}:{model_id}"


def throughput_record(*, device: str, model_id: str, startup_seconds: float, tokens_per_second: float) -> None:
    """Keep one job's measured figures (the newest few are kept)."""
    sample = {
        "startup_seconds": round(startup_seconds, 3),
        "tokens_per_second": round(tokens_per_second, 3),
        "at": int(time.time()),
    }
    key = _key(device, model_id)
    pipe = get_redis().pipeline()
    pipe.lpush(key, json.dumps(sample))
    pipe.ltrim(key, 0, SAMPLES_KEPT - 1)
    pipe.execute()


def throughput_from_job(
    *, device: str, model_id: str, metered_seconds: float, startup_seconds: float, trained_tokens: int
) -> Throughput | None:
    """The figures one finished job measured, or None when it cannot tell (no tokens, no time)."""
    training_seconds = metered_seconds - startup_seconds
    if trained_tokens <= 0 or training_seconds <= 0 or startup_seconds < 0:
        return None
    return Throughput(
        device=device,
        model_id=model_id,
        startup_seconds=startup_seconds,
        tokens_per_second=trained_tokens / training_seconds,
        measured_jobs=1,
    )


def _configured(figures: dict[str, float], device: str) -> float:
    return figures.get(device, figures[settings.FINETUNE_DEVICE])


def throughput_for(*, model_id: str, device: str | None = None) -> Throughput:
    """The median of the recent measurements for this device kind (the training workers',
    ``FINETUNE_DEVICE``, by default) and model; the configured defaults before any."""
    device = device or settings.FINETUNE_DEVICE
    samples = []
    try:
        raw = get_redis().lrange(_key(device, model_id), 0, SAMPLES_KEPT - 1)
        samples = [json.loads(item) for item in raw]
    except (RedisError, ValueError):
        logger.warning("training throughput unreadable for %s on %s; using the configured default", model_id, device)
    samples = [s for s in samples if s.get("tokens_per_second", 0) > 0 and s.get("startup_seconds", -1) >= 0]
    if not samples:
        return Throughput(
            device=device,
            model_id=model_id,
            startup_seconds=_configured(settings.FINETUNE_STARTUP_SECONDS, device),
            tokens_per_second=_configured(settings.FINETUNE_TOKENS_PER_SECOND, device),
            measured_jobs=0,
        )
    return Throughput(
        device=device,
        model_id=model_id,
        startup_seconds=statistics.median(s["startup_seconds"] for s in samples),
        tokens_per_second=statistics.median(s["tokens_per_second"] for s in samples),
        measured_jobs=len(samples),
    )


def throughput_forget(*, model_id: str, device: str | None = None) -> None:
    """Drop the measurements (a model's weights or the workers' hardware changed)."""
    get_redis().delete(_key(device or settings.FINETUNE_DEVICE, model_id))
