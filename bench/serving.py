"""What the HTTP benchmarks share: concurrent readers over keep-alive connections, waiting
for a server, a signed-in session's cookies, and a reference loop that shows how fast the
shared host runs while they measure."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# What the TLS-terminating proxy in front of production adds to every request.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
# The backend a sign-in with email and password records, so the bench's sessions are real ones.
SIGN_IN_BACKEND = "portal.accounts.backends.CachedPermissionsBackend"


def reference_loop_ms() -> float:
    """CPU time of a fixed pure-Python loop: how fast this (shared, virtual) machine runs now.

    Printed before and after the runs, so that figures taken while the host was slow are
    seen for what they are (the same loop has taken from 0.65 s to 1.05 s here).
    """
    started = time.process_time()
    total = 0
    for i in range(2_000_000):
        total += i * i
    return (time.process_time() - started) * 1000


def measure(base: str, path: str, *, readers: int, requests: int, cookie: str = "") -> list[float]:
    """Each reader keeps one connection and sends its share of requests back to back."""
    host = urlsplit(base)
    times: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def reader(count: int) -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        headers = dict(PROXY_HEADERS, **({"Cookie": cookie} if cookie else {}))
        mine = []
        try:
            for _ in range(count):
                started = time.perf_counter()
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                mine.append((time.perf_counter() - started) * 1000)
                if response.status != 200:
                    errors.append(f"{response.status} for {path}")
        except OSError as exc:
            errors.append(repr(exc))
        finally:
            conn.close()
        with lock:
            times.extend(mine)

    per_reader = max(requests // readers, 1)
    workers = [threading.Thread(target=reader, args=(per_reader,)) for _ in range(readers)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise SystemExit(f"errors: {errors[:3]}")
    return times


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz", headers=PROXY_HEADERS)
            if conn.getresponse().status == 200:
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def session_cookie(user, *, warm_path: str) -> str:
    """The cookies a signed-in browser sends: its session, and the CSRF cookie the site set
    on its first page (without it every page would mint a new CSRF secret)."""
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user, backend=SIGN_IN_BACKEND)
    response = client.get(warm_path)
    assert response.status_code == 200, (warm_path, response.status_code)
    names = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    return "; ".join(f"{name}={client.cookies[name].value}" for name in names if name in client.cookies)


def uvicorn_start(*, port: int, workers: int) -> subprocess.Popen:
    """The site under uvicorn, as deployed (``portal.asgi``), in its own process group."""
    command = [sys.executable, "-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
