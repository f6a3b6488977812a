"""`make run` serves with DEBUG off: the site's own 404 and 500 pages, never Django's debug
page; static files and public uploads still served with no setup beyond the command."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from django.test import Client
from django.urls import path
from django.utils import translation
from django.views.defaults import server_error

from portal.urls import urlpatterns as site_urlpatterns
from tests.support.processes import ManagedProcess, free_port
from tests.support.processes import test_environment as child_environment

ROOT = Path(__file__).resolve().parents[2]
DEBUG_PAGE_MARKS = ("Using the URLconf defined in", "because you have <code>DEBUG = True</code>")


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", _boom), *site_urlpatterns]


def dev_settings(*code: str, **env: str) -> str:
    """Run ``code`` with the dev settings imported, as `make run` does (no DEBUG in the environment)."""
    environment = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    environment.update(DJANGO_SETTINGS_MODULE="portal.settings.dev", **env)
    script = "import django; django.setup(); from django.conf import settings; " + "; ".join(code)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_dev_settings_have_debug_off_unless_asked():
    assert dev_settings("print(settings.DEBUG)") == "False"
    assert dev_settings("print(settings.DEBUG)", DEBUG="1") == "True"
    hosts = json.loads(dev_settings("import json; print(json.dumps(settings.ALLOWED_HOSTS))"))
    assert {"127.0.0.1", "localhost"} <= set(hosts)
    hosts = json.loads(
        dev_settings("import json; print(json.dumps(settings.ALLOWED_HOSTS))", SITE_URL="http://box:8001")
    )
    assert "box" in hosts


def get(url: str) -> tuple[int, Message, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (a local test server)
            return response.status, response.headers, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode(errors="replace")


@pytest.fixture(scope="module")
def dev_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """The site under the dev settings, DEBUG unset, served as `make run` serves it (uvicorn,
    after collectstatic), on the test database."""
    static_root, media_root = tmp_path_factory.mktemp("static"), tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock():
        environment = child_environment(
            DJANGO_SETTINGS_MODULE="portal.settings.dev", STATIC_ROOT=str(static_root), MEDIA_ROOT=str(media_root)
        )
    environment.pop("DEBUG", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=environment, check=True
    )
    (media_root / "forums" / "2026" / "01").mkdir(parents=True)
    (media_root / "forums" / "2026" / "01" / "upload.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (media_root / "finetuning" / "files").mkdir(parents=True)
    (media_root / "finetuning" / "files" / "file-abc.jsonl").write_text('{"private": true}\n')
    port = free_port()
    server = ManagedProcess(
        "dev-asgi",
        [sys.executable, "-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
        environment,
    )
    server.wait_for_port(port)
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.mark.parametrize("url", ["/no-such-page/", "/models/no-such-model/"], ids=["no-route", "view-404"])
def test_a_404_under_dev_settings_is_the_sites_own_page(dev_server, url):
    """A missing page (no route, or a view's Http404) showed Django's debug page with every URL pattern."""
    status, _headers, html = get(dev_server + url)
    assert status == 404
    assert "We could not find that page" in html
    assert 'action="/docs/search/"' in html and 'href="/community/"' in html and 'href="/docs/"' in html
    for mark in DEBUG_PAGE_MARKS:
        assert mark not in html
    assert "admin/" not in html  # no URL pattern is listed


def test_dev_settings_still_serve_static_files(dev_server):
    _status, _headers, html = get(dev_server + "/docs/")
    stylesheet = html.split('<link rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert stylesheet.startswith("/static/vendor/bootstrap")
    status, headers, _body = get(dev_server + stylesheet)
    assert status == 200 and headers["Content-Type"].startswith("text/css")


def test_dev_settings_serve_forum_images_but_never_private_uploads(dev_server):
    status, headers, _body = get(dev_server + "/media/forums/2026/01/upload.png")
    assert status == 200 and headers["Content-Type"] == "image/png"
    status, _headers, body = get(dev_server + "/media/finetuning/files/file-abc.jsonl")
    assert status == 404 and "private" not in body


def test_v1_404s_stay_json_in_openais_shape_under_dev_settings(dev_server):
    status, headers, body = get(dev_server + "/v1/no-such-endpoint")
    assert status == 404 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["error"]["code"] == "unknown_url"


@pytest.mark.django_db
def test_the_404_page_is_translated(client):
    client.cookies["django_language"] = "zh-hans"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html and "找不到该页面" in html and "搜索文档" in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("language", "text"), [("en", "Something went wrong on our side"), ("zh-hans", "我们这边出了点问题")]
)
def test_a_500_is_the_sites_own_page_in_the_readers_language(language, text):
    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = language
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert text in html and f'<html lang="{language}"' in html
    assert 'href="/docs/"' in html and 'action="/docs/search/"' in html
    assert "RuntimeError" not in html and "Traceback" not in html


def test_the_500_page_renders_without_the_database_or_a_request(rf):
    """Django's server_error renders with a plain Context: no user, no context processors.
    The page must still draw (a database that is down may be why it is shown): this test
    has no database access, so any query would fail it."""
    with translation.override("en"):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
