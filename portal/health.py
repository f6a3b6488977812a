"""Liveness and readiness probes for load balancers and orchestrators."""

import time

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request):
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


def _check(probe) -> dict:
    started = time.monotonic()
    try:
        probe()
    except Exception as exc:  # any failure means not ready; say which and why
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "latency_ms": round((time.monotonic() - started) * 1000, 1)}


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache():
    cache.set("readyz:probe", "1", timeout=5)
    if cache.get("readyz:probe") != "1":
        raise RuntimeError("cache did not return what was written")


def _broker():
    from portal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _inference() -> dict:
    """Live inference workers and, per model, ready workers or why loading failed."""
    from sandbox.inference.health import inference_summary

    try:
        return inference_summary()
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


READINESS_CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


@require_GET
@never_cache
def readyz(request):
    """Database, cache and broker are reachable; 503 with the failing check otherwise."""
    checks = {name: _check(probe) for name, probe in READINESS_CHECKS.items()}
    ready = all(check["ok"] for check in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    # Non-fatal: the site serves pages without inference workers; dashboards read this.
    body["inference"] = _inference()
    return JsonResponse(body, status=200 if ready else 503)
