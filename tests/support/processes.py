"""Real processes for tests: a Celery worker and the ASGI server, on the test database."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_environment(**extra: str) -> dict[str, str]:
    """The environment of a child process that shares the test database and Redis."""
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
        CACHE_URL=settings.CACHE_URL,
        MODEL_STORE=str(settings.MODEL_STORE),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def _die_with_parent() -> None:
    """Run in the child before exec: the kernel kills it when the test process ends,
    however that ends. A worker that outlived a killed run would keep serving the same
    Redis database and take the next run's tasks with code that may be gone from disk."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class ManagedProcess:
    """A child process whose output is kept for failure reports; stopped on exit, and
    killed with the test process if that dies first."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]):
        self.name = name
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            # Only prctl runs between fork and exec, which is safe beside the reader threads.
            preexec_fn=_die_with_parent if _libc is not None else None,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            if os.environ.get("ATRIUM_TEST_ECHO_PROCESSES"):
                sys.stderr.write(f"[{self.name}] {line}")

    @property
    def output(self) -> str:
        return "".join(self.lines[-200:])

    def wait_for(self, needles: Iterable[str], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        needles = list(needles)
        while time.monotonic() < deadline:
            if any(n in line for line in list(self.lines) for n in needles):
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.output}")
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.output}")

    def wait_for_port(self, port: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.output}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not listening on {port} after {timeout}s:\n{self.output}")

    def kill(self, sig: int = 9) -> None:
        """Kill the whole process group at once (as a crashed machine would)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()


def start_celery_worker(
    *,
    queues: str = "default,inference,training",
    concurrency: int = 8,
    pool: str = "threads",
    name: str = "test",
    app: str = "portal",
    **env: str,
) -> ManagedProcess:
    """``app``: the module holding the Celery app (a test module may wrap portal's to add test-only hooks)."""
    args = [sys.executable, "-m", "celery", "-A", app, "worker", "-Q", queues, "-P", pool, "-c", str(concurrency)]
    args += ["-n", f"{name}-{os.getpid()}@%h", "-l", "info", "--without-gossip", "--without-mingle"]
    worker = ManagedProcess(f"celery-{name}", args, test_environment(**env))
    worker.wait_for(["ready."], timeout=120)
    return worker


def start_asgi_server(**env: str) -> tuple[ManagedProcess, str]:
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--log-level", "warning"]
    server = ManagedProcess("asgi", args, test_environment(**env))
    server.wait_for_port(port)
    return server, f"http://127.0.0.1:{port}"
