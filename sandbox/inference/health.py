"""Worker health, exported to Redis for the dashboards and ``/readyz``.

Each inference worker process writes a JSON snapshot every few seconds under
``atrium:inference:workers:<host>:<pid>`` (expiring, so a vanished worker disappears):
per model its state (``ready`` or ``failed`` with the reason), device, memory, batch
size, queue depth and tokens/s. This module imports no torch: the web tier reads it.
"""

from __future__ import annotations

import json

from django.conf import settings

from portal.redis_client import get_redis

from .protocol import INFERENCE_QUEUE

KEY_PREFIX = "atrium:inference:workers:"
REPORT_INTERVAL_SECONDS = 2
SNAPSHOT_TTL_SECONDS = 15


def publish_worker_health(worker: str, snapshot: dict) -> None:
    get_redis().set(f"{KEY_PREFIX}{worker}", json.dumps(snapshot), ex=SNAPSHOT_TTL_SECONDS)


def worker_snapshots() -> list[dict]:
    """The latest snapshot of every live inference worker."""
    redis = get_redis()
    keys = sorted(redis.scan_iter(match=f"{KEY_PREFIX}*", count=100))
    return [json.loads(raw) for raw in redis.mget(keys) if raw] if keys else []


def inference_summary() -> dict:
    """What ``/readyz`` shows: live workers, and per model where it is ready or why it failed."""
    snapshots = worker_snapshots()
    models: dict[str, dict] = {}
    for snapshot in snapshots:
        for model_id, info in snapshot.get("models", {}).items():
            entry = models.setdefault(model_id, {"ready_workers": 0, "failed_workers": 0})
            if info.get("state") == "ready":
                entry["ready_workers"] += 1
                for figure in ("batch_size", "queue_depth", "tokens_per_s"):
                    if figure in info:
                        entry[figure] = entry.get(figure, 0) + info[figure]
            else:
                entry["failed_workers"] += 1
                entry["error"] = info.get("error")
    summary = {"workers": len(snapshots), "models": models}
    if settings.CELERY_BROKER_URL == settings.REDIS_URL:
        # Requests no worker has taken yet (Celery's Redis transport keeps a queue as a list).
        summary["queued_requests"] = get_redis().llen(INFERENCE_QUEUE)
    return summary
