"""The Content-Security-Policy header: on every response, scripts only from this site or
with the request's nonce, never inline or eval. tests/e2e/test_csp.py loads the pages in
Chromium under it; these check the header itself and the templates it relies on."""

import asyncio
import re
import threading
from pathlib import Path

import pytest
from django.test import AsyncClient
from django.urls import reverse

from portal.middleware import ContentSecurityPolicyMiddleware

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


def nonce_of(response) -> str:
    (nonce,) = [v for v in directives(response)["script-src"] if v.startswith("'nonce-")]
    return nonce.removeprefix("'nonce-").removesuffix("'")


@pytest.mark.django_db
def test_pages_allow_scripts_only_from_the_site_or_with_a_fresh_nonce(client):
    """script-src is 'self' plus a nonce, without 'unsafe-inline' or 'unsafe-eval'; the nonce
    differs on every request, and the page's scripts carry this response's nonce."""
    first, second = client.get(reverse("home")), client.get(reverse("home"))
    policy = directives(first)
    assert policy["script-src"][0] == "'self'"
    assert not {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'strict-dynamic'"} & {
        value for name in ("script-src", "default-src") for value in policy[name]
    }
    assert "script-src-attr" not in policy and "script-src-elem" not in policy
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]

    assert nonce_of(first) != nonce_of(second)
    assert len(nonce_of(first)) >= 22  # 128 random bits, base64
    scripts = re.findall(r"<script\b[^>]*>", first.content.decode())
    assert scripts and all(f'nonce="{nonce_of(first)}"' in tag for tag in scripts if "application/json" not in tag)


@pytest.mark.django_db
def test_the_api_reference_widens_only_styles_and_workers(client):
    """Redoc's page allows inline <style> and blob: workers; its scripts stay as strict."""
    response = client.get(reverse("docs:api_reference"))
    policy = directives(response)
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["worker-src"] == ["'self'", "blob:"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce_of(response)}'"]


@pytest.mark.django_db
def test_admin_and_json_responses_carry_the_policy_too(client):
    for response in (client.get("/admin/login/"), client.get("/api/schema/", {"format": "json"})):
        assert "'unsafe-inline'" not in directives(response)["script-src"]


@pytest.mark.django_db(transaction=True)
def test_async_views_get_the_policy_on_the_event_loop(monkeypatch):
    """/v1 runs on the event loop: the header is set there too, without a hop to a thread."""
    threads = []
    process_response = ContentSecurityPolicyMiddleware.process_response

    def recording(self, request, response):
        threads.append(threading.get_ident())
        return process_response(self, request, response)

    monkeypatch.setattr(ContentSecurityPolicyMiddleware, "process_response", recording)
    response = asyncio.run(AsyncClient().get("/v1/models"))
    assert response.status_code == 401
    assert directives(response)["script-src"] == ["'self'"]
    assert threads == [threading.get_ident()]


def test_no_template_runs_inline_code():
    """No inline <script>, event handler attribute, javascript: URL or hx-on in templates:
    the policy would refuse them (their behaviour lives in static/*.js)."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" not in tag:
                offenders.append(f"{path.relative_to(TEMPLATES)}: {tag}")
        for pattern in (r"\son[a-z]+\s*=", r"javascript:", r"\bhx-on", r"data-hx-on"):
            offenders += [f"{path.relative_to(TEMPLATES)}: {m}" for m in re.findall(pattern, html, re.IGNORECASE)]
    assert offenders == []
