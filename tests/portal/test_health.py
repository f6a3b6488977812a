import pytest
from django.urls import reverse


def test_healthz_answers_ok(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_every_dependency(client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}


@pytest.mark.django_db
def test_readyz_reports_a_stopped_redis_as_unavailable(client, settings, monkeypatch):
    """Point cache and broker at a port where nothing listens: readyz answers 503 and names them."""
    from django.core.cache import caches

    from portal.celery import app

    dead = "redis://127.0.0.1:1/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead}}
    caches._settings = None  # rebuild the cache handler from the new settings
    caches.__dict__.pop("settings", None)
    monkeypatch.setattr(app.conf, "broker_url", dead)
    try:
        response = client.get(reverse("readyz"))
    finally:
        caches.__dict__.pop("settings", None)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["broker"]["ok"] is False
