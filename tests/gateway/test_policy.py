"""Limits under concurrency, cancellation on disconnect, and keeping secrets out of logs,
the database and the broker."""

import asyncio
import time

import httpx2 as httpx
import pytest
from django.conf import settings
from django.db import connection

from portal.apikeys.models import ApiKey
from portal.apikeys.services import api_key_create
from portal.redis_client import get_redis
from tests.support.processes import start_asgi_server

pytestmark = pytest.mark.django_db(transaction=True)

HELLO = [{"role": "user", "content": "hello brave new world"}]


def test_no_over_admission_with_50_concurrent_requests(v1, user, echo_model):
    """50 requests at once against a limit of 5 per minute: exactly 5 get through."""
    key, secret = api_key_create(user=user, name="burst")
    ApiKey.objects.filter(pk=key.pk).update(rate_limit_rpm=5)

    async def burst():
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=50)) as http:
            return await asyncio.gather(
                *[http.get(f"{v1}/models", headers={"Authorization": f"Bearer {secret}"}) for _ in range(50)]
            )

    statuses = sorted(r.status_code for r in asyncio.run(burst()))
    assert statuses.count(200) == 5
    assert statuses.count(429) == 45


def test_client_disconnect_cancels_the_request(transactional_db, secret, echo_model):
    """A client that goes away while its request waits makes the gateway set the cancel flag."""
    dead_broker = settings.REDIS_URL.rsplit("/", 1)[0] + "/13"
    server, url = start_asgi_server(CELERY_BROKER_URL=dead_broker, GATEWAY_DISPATCH_TIMEOUT_SECONDS="20")
    redis = get_redis()
    before = set(redis.scan_iter("atrium:inference:*:cancel"))
    try:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(
                f"{url}/v1/chat/completions",
                headers={"Authorization": f"Bearer {secret}"},
                json={"model": "echo", "messages": HELLO, "stream": True},
                timeout=1.0,
            )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not set(redis.scan_iter("atrium:inference:*:cancel")) - before:
            time.sleep(0.1)
        assert set(redis.scan_iter("atrium:inference:*:cancel")) - before
    finally:
        server.stop()
        import redis as redis_lib

        redis_lib.Redis.from_url(dead_broker).flushdb()


def _tables_containing(text: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [row[0] for row in cursor.fetchall()]
        found = []
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}" AS t WHERE t::text LIKE %s', [f"%{text}%"])
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def _redis_values_containing(text: bytes) -> list[bytes]:
    redis = get_redis()
    found = []
    for key in redis.scan_iter():
        kind = redis.type(key)
        if kind == b"string":
            values = [redis.get(key)]
        elif kind == b"list":
            values = redis.lrange(key, 0, -1)
        elif kind == b"hash":
            values = list(redis.hgetall(key).values())
        elif kind == b"stream":
            values = [repr(entry).encode() for entry in redis.xrange(key)]
        elif kind == b"set":
            values = list(redis.smembers(key))
        elif kind == b"zset":
            values = redis.zrange(key, 0, -1)
        else:
            values = []
        if any(text in (value or b"") for value in values) or text in key:
            found.append(key)
    return found


def test_a_key_never_appears_in_logs_the_database_or_redis(celery_worker, user, echo_model):
    from sandbox.usage.services import usage_records_flush

    server, url = start_asgi_server(LOG_LEVEL="DEBUG")
    try:
        key, secret = api_key_create(user=user, name="secret-keeper")
        headers = {"Authorization": f"Bearer {secret}"}
        for body in (
            {"model": "echo", "messages": HELLO},
            {"model": "echo", "messages": HELLO, "stream": True},
            {"model": "nope", "messages": HELLO},
            {"model": "echo", "messages": "bad"},
        ):
            httpx.post(f"{url}/v1/chat/completions", headers=headers, json=body, timeout=30).read()
        httpx.get(f"{url}/v1/models", headers=headers)
        typo = secret[:-1] + ("a" if secret[-1] != "a" else "b")
        httpx.get(f"{url}/v1/models", headers={"Authorization": f"Bearer {typo}"})
        usage_records_flush()
    finally:
        server.stop()
    random_part = secret[len("atr_live_") :]
    logs = "".join(server.lines) + "".join(celery_worker.lines)
    assert server.lines  # the server did log (at DEBUG)
    assert random_part not in logs and typo[9:] not in logs
    assert _tables_containing(random_part) == []
    assert _redis_values_containing(random_part.encode()) == []
