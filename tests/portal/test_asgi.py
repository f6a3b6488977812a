"""portal/asgi.py: async views on the event loop, pages on Django's WSGI handler in a
thread pool, both behind the one ASGI application uvicorn serves."""

import asyncio
import http.client
from urllib.parse import urlsplit

import pytest
from django.template import engines
from django.urls import reverse

from portal import asgi
from portal.asgi import runs_async


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/models", True),
        ("/v1/chat/completions", True),
        ("/v1/files", True),  # all of /v1 keeps the upload guard's ASGI path
        ("/v1/no-such-endpoint", True),
        ("/community/", False),
        ("/docs/", False),
        ("/accounts/login/", False),
        ("/no/such/page/", False),
    ],
)
def test_each_path_runs_the_way_its_view_is_written(path, expected):
    assert runs_async({"type": "http", "path": path}) is expected


def test_the_playgrounds_async_view_stays_on_the_event_loop():
    assert runs_async({"type": "http", "path": reverse("playground:chat")})


def test_a_mounted_prefix_is_stripped_before_resolving():
    assert runs_async({"type": "http", "path": "/atrium/v1/models", "root_path": "/atrium"})
    assert not runs_async({"type": "http", "path": "/atrium/community/", "root_path": "/atrium"})


@pytest.mark.django_db(transaction=True)
def test_pages_and_the_api_answer_through_one_server(asgi_server):
    url = urlsplit(asgi_server)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("GET", "/community/", headers={"Accept-Language": "en"})
    page = conn.getresponse()
    body = page.read().decode()
    assert page.status == 200 and "Community" in body
    assert "csrftoken=" in page.getheader("Set-Cookie", "")  # the page's forms work
    conn.request("GET", "/v1/models")
    api = conn.getresponse()
    assert api.status == 401 and b'"invalid_api_key"' in api.read()
    conn.request("POST", "/community/new/", body=b"", headers={"Content-Type": "application/x-www-form-urlencoded"})
    refused = conn.getresponse()
    refused.read()
    assert refused.status in (302, 403)  # sign-in or CSRF: never a crash in the bridge


def test_startup_compiles_the_templates_then_freezes_the_heap(monkeypatch):
    """The lifespan startup builds what first requests would, then hides it from the
    garbage collector (gc.freeze, recorded here rather than run in the test process)."""
    frozen = []
    monkeypatch.setattr(asgi.gc, "freeze", lambda: frozen.append(True))
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent = []

    async def receive():
        return messages.pop(0)

    async def send(message):
        sent.append(message["type"])

    asyncio.run(asgi.application({"type": "lifespan"}, receive, send))
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert "forums/thread_detail.html" in loader.get_template_cache
    assert "base.html" in loader.get_template_cache
    assert frozen == [True]
