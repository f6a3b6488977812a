"""`make run`: prepare the site and run web, Celery workers and beat together.

With no REDIS_URL configured, an embedded Redis-protocol server is started first (see
scripts/embedded_redis.py) and the whole site uses it. Ctrl-C stops everything.
"""

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from honcho.manager import Manager

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
EMBEDDED_REDIS = ("127.0.0.1", 6390)


def wait_for_port(host: str, port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"embedded redis did not start on {host}:{port}")


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) == 0


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{options.port}")
    (ROOT / "var").mkdir(exist_ok=True)

    if port_in_use("127.0.0.1", options.port):
        sys.exit(f"Port {options.port} is already in use: stop what serves it, or run `PORT=8001 make run`.")
    embedded = None
    if "REDIS_URL" not in os.environ:
        host, port = EMBEDDED_REDIS
        if port_in_use(host, port):
            sys.exit(
                f"Port {port}, where the embedded Redis listens, is already in use (another `make run`?). "
                "Stop it, or set REDIS_URL to a Redis of your own."
            )
        embedded = subprocess.Popen([PY, "scripts/embedded_redis.py", f"redis://{host}:{port}"], cwd=ROOT)
        wait_for_port(host, port)

    try:
        manage("migrate", "--noinput")
        manage("collectstatic", "--noinput", "--verbosity", "0")
        manage("seed_demo")
        manage("prepare_models")

        manager = Manager()
        manager.add_process(
            "web",
            f"{PY} -m uvicorn portal.asgi:application --host 127.0.0.1 --port {options.port} --log-level info",
            cwd=str(ROOT),
        )
        manager.add_process(
            "inference",
            f"{PY} -m celery -A portal worker -Q inference -P threads -c 16 -n inference@%h -l info",
            cwd=str(ROOT),
        )
        manager.add_process(
            "worker",
            # Housekeeping runs every few seconds; at INFO its lines would bury the printed mails.
            f"{PY} -m celery -A portal worker -Q default,training -c 1 -n worker@%h -l warning",
            cwd=str(ROOT),
        )
        manager.add_process(
            "beat", f"{PY} -m celery -A portal beat -l warning -s var/celerybeat-schedule", cwd=str(ROOT)
        )
        print(
            f"\n  Atrium is starting on http://127.0.0.1:{options.port}\n"
            "  Demo logins (password: atrium-demo-password):\n"
            "    community manager  manager@atrium.local\n"
            "    developer          dev@atrium.local\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )
        manager.loop()
        sys.exit(manager.returncode)
    finally:
        if embedded is not None:
            embedded.terminate()
            embedded.wait(timeout=10)


if __name__ == "__main__":
    main()
