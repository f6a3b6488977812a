"""No full API key is kept anywhere: after a session's worth of key activity (keys made
by the service and the keys page, rolled and revoked, /v1 calls through the real ASGI
server and inference worker, refused calls with revoked, mistyped, unknown and misplaced
keys, a key pasted in a forum reply, metering flushed to the database), neither a dump
of the database, nor every value in the Redis database, nor any log line (this process,
the web server, the worker) holds a key's secret part.

tests/forums/test_key_leak.py checks what the forum shows; this checks what is stored.
"""

from __future__ import annotations

import logging
import subprocess
import time

import httpx2 as httpx
import pytest
from django.db import connection
from django.urls import reverse

from community.forums import services as forums
from community.forums.models import Category, CategoryKind
from portal.apikeys import keyformat
from portal.apikeys.models import ApiKey
from portal.apikeys.services import api_key_create, api_key_revoke
from portal.redis_client import get_redis
from sandbox.registry.models import HostedModel
from sandbox.usage import services as usage
from tests.factories import UserFactory
from tests.support.processes import start_asgi_server

pytestmark = pytest.mark.django_db(transaction=True)

HELLO = [{"role": "user", "content": "hello brave new world"}]


@pytest.fixture
def verbose_server(django_db_setup):
    """The site in its own uvicorn process with every log line of the app (DEBUG), whose
    output this test reads."""
    server, url = start_asgi_server(LOG_LEVEL="DEBUG")
    yield server, url
    server.stop()


def _secret_part(secret: str) -> str:
    """What must never be stored: the 32 random characters (prefix and last four are shown)."""
    return secret[len(keyformat.PREFIX) : len(keyformat.PREFIX) + keyformat.RANDOM_LENGTH]


def _redis_contents() -> dict[str, str]:
    """Every key of this session's Redis database with its value, whatever its type."""
    redis = get_redis()
    contents = {}
    for raw_key in redis.scan_iter(count=1000):
        kind = redis.type(raw_key).decode()
        if kind == "string":
            value = redis.get(raw_key)
        elif kind == "hash":
            value = redis.hgetall(raw_key)
        elif kind == "list":
            value = redis.lrange(raw_key, 0, -1)
        elif kind == "set":
            value = redis.smembers(raw_key)
        elif kind == "zset":
            value = redis.zrange(raw_key, 0, -1, withscores=True)
        elif kind == "stream":
            value = (redis.xrange(raw_key), redis.xinfo_groups(raw_key))
        else:
            value = kind
        contents[raw_key.decode(errors="replace")] = repr(value) + repr(redis.dump(raw_key))
    return contents


def _database_dump() -> str:
    db = connection.settings_dict
    command = ["pg_dump", "--no-owner", "-h", db["HOST"], "-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]]
    env = {"PGPASSWORD": db["PASSWORD"] or ""}
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env, timeout=120).stdout


def _await_stream_length(length: int, timeout: float = 30) -> None:
    """Metering appends behind the response; wait for the records to land."""
    redis = get_redis()
    deadline = time.monotonic() + timeout
    while redis.xlen(usage.STREAM) < length:
        assert time.monotonic() < deadline, f"{redis.xlen(usage.STREAM)} usage records, expected {length}"
        time.sleep(0.05)


def test_no_full_key_in_the_database_redis_or_logs(client, celery_worker, verbose_server, caplog, settings):
    caplog.set_level(logging.DEBUG)
    settings.FORUM_FLOOD_SECONDS = 0
    server, base = verbose_server
    HostedModel.objects.create(
        model_id="echo", backend=HostedModel.Backend.ECHO, context_length=64, max_output_tokens=32
    )
    owner = UserFactory(email="keys@example.org")
    other = UserFactory(email="other@example.org")
    secrets: list[str] = []

    # Keys from the service, from the keys page (shown once), and a roll of one.
    _key, secret = api_key_create(user=owner, name="service")
    secrets.append(secret)
    client.force_login(owner)
    page = client.post(reverse("apikeys:list"), {"name": "page", "scopes": ["inference", "files"]})
    secrets.append(keyformat.KEY_PATTERN.search(page.content.decode())[0])
    rolled = ApiKey.objects.get(name="page")
    page = client.post(reverse("apikeys:roll", kwargs={"pk": rolled.pk}), {"overlap": "1h"})
    secrets.append(keyformat.KEY_PATTERN.search(page.content.decode())[0])
    revoked, revoked_secret = api_key_create(user=owner, name="to revoke")
    api_key_revoke(key=revoked)
    secrets.append(revoked_secret)
    assert len(set(secrets)) == 4

    # /v1 through the real server and worker: successes, then refusals of every kind.
    never_issued = keyformat.generate()
    typo = secrets[0][:-1] + ("A" if secrets[0][-1] != "A" else "B")
    secrets.append(never_issued)
    with httpx.Client(base_url=f"{base}/v1", timeout=60) as http:
        succeeded = 0
        for secret in secrets[:3]:
            headers = {"Authorization": f"Bearer {secret}"}
            assert http.get("/models", headers=headers).status_code == 200
            chat = http.post("/chat/completions", headers=headers, json={"model": "echo", "messages": HELLO})
            assert chat.status_code == 200, chat.text
            streamed = http.post(
                "/chat/completions", headers=headers, json={"model": "echo", "messages": HELLO, "stream": True}
            )
            assert streamed.status_code == 200 and "[DONE]" in streamed.text
            succeeded += 3
        for secret, status in ((revoked_secret, 401), (never_issued, 401), (typo, 401)):
            assert http.get("/models", headers={"Authorization": f"Bearer {secret}"}).status_code == status
            assert (
                http.post("/chat/completions", headers={"Authorization": f"Bearer {secret}"}, json={}).status_code
                == status
            )
        # Keys where they do not belong: no Bearer scheme, another header, the query string, the body.
        assert http.get("/models", headers={"Authorization": secrets[0]}).status_code == 401
        assert http.get("/models", headers={"x-api-key": secrets[0]}).status_code == 401
        assert http.get("/models", params={"api_key": secrets[0]}).status_code == 401
        body = {"model": secrets[0], "messages": [{"role": "user", "content": secrets[0]}]}
        assert (
            http.post("/chat/completions", headers={"Authorization": f"Bearer {secrets[1]}"}, json=body).status_code
            == 404
        )
        succeeded += 1  # the 404 for an unknown model is metered too
    _await_stream_length(succeeded)

    # A member pastes a live key into a forum reply (redacted and revoked by the guard).
    category = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA)
    thread = forums.thread_create(author=other, category=category, title="Help", body="My calls fail.")
    forums.post_create(author=owner, thread=thread, body=f"Try mine: {secrets[0]}")

    redis_before_flush = _redis_contents()
    usage.usage_records_flush()
    redis_after_flush = _redis_contents()
    dump = _database_dump()
    logs = {
        # The test's own HTTP client logs the URLs it requests (one carries a key in its
        # query string on purpose): that is the caller's log, not the site's.
        "test process": "\n".join(
            r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))
        ),
        "web server": "".join(server.lines),
        "worker": "".join(celery_worker.lines),
    }

    # The dumps hold what they should: key rows (hash and prefix), the gateway's cache
    # entries, metering, and the refusals in the logs.
    for secret in secrets[:4]:
        assert keyformat.hash_secret(secret) in dump and keyformat.visible_prefix(secret) in dump
    assert f"atrium:apikey:{keyformat.hash_secret(secrets[0])}" in redis_before_flush
    assert usage.STREAM in redis_before_flush
    assert "usage_usagerecord" in dump
    assert "Unauthorized" in logs["web server"], logs["web server"][-2000:]

    leaks = []
    for secret in secrets + [typo]:
        part = _secret_part(secret)
        for where, text in (
            ("database", dump),
            *((f"redis {name}", value) for name, value in redis_before_flush.items()),
            *((f"redis after flush {name}", value) for name, value in redis_after_flush.items()),
            *logs.items(),
        ):
            if part in text or part in where:
                at = text.find(part)
                leaks.append((keyformat.visible_prefix(secret), where, text[max(at - 200, 0) : at + 60]))
    assert leaks == [], leaks
