"""Benchmark the /v1 gateway: our full path vs the LiteLLM proxy, and policy on vs off.

Run: ``.venv/bin/python -m bench.gateway`` (PostgreSQL and Redis up, as for `make test`).

One run, the same chat request (``echo`` model, 16 prompt words, max_tokens 16), at 1
and 10 concurrent clients, against:

- **atrium**: the full path: uvicorn (ASGI) -> API-key auth, rate limits, credits,
  metering -> Celery task on the `inference` queue -> worker (echo backend) -> events
  back over a Redis stream -> JSON response;
- **atrium-bare**: the same server with ``GATEWAY_POLICY_ENABLED=false`` (no auth,
  limits, credits or metering): what the dispatch path alone costs;
- **litellm**: the LiteLLM proxy (from PyPI, its own venv under var/bench-venv, master
  key only, on loopback) forwarding to a mock OpenAI server that answers like echo.

The worker runs as a deployed inference worker would: ``-P threads -c 16`` with
persistent database connections (``CONN_MAX_AGE=60``; ``BENCH_WORKER_CONN_MAX_AGE=0``
measures a connect per task).

Prints p50/p99 latency (ms) and requests/s per target and concurrency (with
``--repeats N``: N interleaved rounds, medians of the rounds' p50 and req/s), and the ratios
against the targets: our p50 and throughput no worse than LiteLLM's, and the policy
layer under 1.3x the bare path.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import percentile

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "var" / "bench-venv"
MASTER_KEY = "sk-bench-master-key"
PROMPT = "the quick brown fox jumps over the lazy dog while seven bright stars watch it run home"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    def __init__(self, name: str, args: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log = open(log_dir / f"{name}.log", "w")  # noqa: SIM115 (open for the child's lifetime)
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_port(self, port: int, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log.name}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not listening after {timeout}s; see {self.log.name}")

    def wait_text(self, needle: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in Path(self.log.name).read_text(errors="replace"):
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log.name}")
            time.sleep(0.2)
        raise TimeoutError(f"{self.name}: no {needle!r} after {timeout}s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def inference_worker(name: str, env: dict, log_dir: Path) -> Process:
    """A Celery `inference` worker as `make run` starts it (threads, 16 task threads)."""
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "-Q", "inference", "-P", "threads"]
    command += ["-c", "16", "-l", os.environ.get("BENCH_WORKER_LOG_LEVEL", "warning")]
    command += ["--without-gossip", "--without-mingle", "-n", name]
    # A worker's task threads are long-lived and few (-c), so they keep their database
    # connection, as settings allow for workers; web processes stay at CONN_MAX_AGE=0.
    env = dict(env, CONN_MAX_AGE=os.environ.get("BENCH_WORKER_CONN_MAX_AGE", "60"))
    return Process("worker", command, env, log_dir)


def ensure_litellm() -> Path:
    """The LiteLLM proxy in its own venv (never in the project's requirements)."""
    litellm = VENV / "bin" / "litellm"
    if not litellm.exists():
        print("Installing the LiteLLM proxy into var/bench-venv (once)...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "-q", "-r", str(ROOT / "bench" / "requirements-gateway.txt")],
            check=True,
        )
    return litellm


def prepare_database(env: dict) -> str:
    """Migrate the bench database; create the account, a key without tight limits, and echo."""
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    script = """
from decimal import Decimal
from django.contrib.auth import get_user_model
from portal.apikeys.services import api_key_create
from sandbox.registry.models import HostedModel
HostedModel.objects.update_or_create(model_id="echo", defaults=dict(backend="echo", task="chat",
    context_length=4096, max_output_tokens=4096, price_per_1k_tokens=Decimal("0")))
user, _ = get_user_model().objects.get_or_create(email="bench@atrium.local")
key, secret = api_key_create(user=user, name="bench")
key.rate_limit_rpm = key.rate_limit_tpm = 10_000_000
key.save()
print(secret)
"""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1]


async def load(url: str, headers: dict, *, concurrency: int, requests: int) -> tuple[list[float], float, int]:
    """Send ``requests`` requests from ``concurrency`` clients; (latencies ms, req/s, failures)."""
    import httpx2 as httpx

    body = {"model": "echo", "messages": [{"role": "user", "content": PROMPT}], "max_tokens": 16}
    latencies: list[float] = []
    failures = 0
    remaining = requests

    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as http:
        for _ in range(min(10, requests)):  # warm up connections, caches and the worker
            await http.post(f"{url}/chat/completions", headers=headers, json=body)

        async def client():
            nonlocal remaining, failures
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                try:
                    response = await http.post(f"{url}/chat/completions", headers=headers, json=body)
                    ok = response.status_code == 200 and "choices" in response.json()
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*[client() for _ in range(concurrency)])
        elapsed = time.perf_counter() - started
    return latencies, len(latencies) / elapsed, failures


def wait_until_serving(url: str, timeout: float = 180) -> None:
    import httpx2 as httpx

    body = {"model": "echo", "messages": [{"role": "user", "content": "ready?"}]}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.post(f"{url}/chat/completions", json=body, timeout=15).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError(f"{url} did not serve the echo model within {timeout}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per target and concurrency")
    parser.add_argument("--concurrency", default="1,10")
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="interleaved rounds over the targets; figures are medians over rounds (the machine is shared)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atrium_bench"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4"))
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]

    if args.database_url.startswith("postgres"):
        import psycopg

        name = args.database_url.rsplit("/", 1)[1]
        admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')

    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="portal.settings.dev",
        DEBUG="false",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        SECRET_KEY="bench-secret-key-" + "x" * 40,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    litellm = ensure_litellm()
    secret = prepare_database(env)
    log_dir = Path(tempfile.mkdtemp(prefix="atrium-bench-gateway-"))
    ports = {name: free_port() for name in ("atrium", "atrium-bare", "mock", "litellm")}
    config = log_dir / "litellm.yaml"
    config.write_text(
        "model_list:\n  - model_name: echo\n    litellm_params:\n      model: openai/echo\n"
        f"      api_base: http://127.0.0.1:{ports['mock']}/v1\n      api_key: sk-mock\n"
        f"general_settings:\n  master_key: {MASTER_KEY}\n"
        "litellm_settings:\n  telemetry: false\n  drop_params: true\n"
    )
    uvicorn = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--log-level", "warning", "--no-access-log"]
    processes = []
    try:
        worker = inference_worker(f"bench-{os.getpid()}@%h", env, log_dir)
        processes.append(worker)
        atrium = Process("atrium", [*uvicorn, "--port", str(ports["atrium"]), "portal.asgi:application"], env, log_dir)
        bare = Process(
            "atrium-bare",
            [*uvicorn, "--port", str(ports["atrium-bare"]), "portal.asgi:application"],
            dict(env, GATEWAY_POLICY_ENABLED="false"),
            log_dir,
        )
        mock = Process("mock", [*uvicorn, "--port", str(ports["mock"]), "bench.gateway_mock:app"], env, log_dir)
        lite_env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
        lite_env.update(
            LITELLM_LOCAL_MODEL_COST_MAP="True",
            LITELLM_LOG="ERROR",
            LITELLM_TELEMETRY="False",
            DISABLE_SCHEMA_UPDATE="true",
        )
        lite = Process(
            "litellm",
            [
                str(litellm),
                "--config",
                str(config),
                "--host",
                "127.0.0.1",
                "--port",
                str(ports["litellm"]),
                "--num_workers",
                "1",
            ],
            lite_env,
            log_dir,
        )
        processes += [atrium, bare, mock, lite]
        for process, name in ((atrium, "atrium"), (bare, "atrium-bare"), (mock, "mock"), (lite, "litellm")):
            process.wait_port(ports[name])
        wait_until_serving(f"http://127.0.0.1:{ports['atrium-bare']}/v1")  # the worker is up

        targets = {
            "atrium": (f"http://127.0.0.1:{ports['atrium']}/v1", {"Authorization": f"Bearer {secret}"}),
            "atrium-bare": (f"http://127.0.0.1:{ports['atrium-bare']}/v1", {}),
            "litellm": (f"http://127.0.0.1:{ports['litellm']}/v1", {"Authorization": f"Bearer {MASTER_KEY}"}),
        }
        results: dict[tuple[str, int], tuple[float, float, float]] = {}
        print(f"\n{'target':<13}{'clients':>8}{'p50 ms':>10}{'p99 ms':>10}{'req/s':>10}{'failed':>10}", flush=True)
        for concurrency in levels:
            rounds: dict[str, list[tuple[list[float], float, int]]] = {name: [] for name in targets}
            for round_index in range(args.repeats):
                # Rotate the order so no target always runs first (or right after another).
                names = list(targets)
                names = names[round_index % len(names) :] + names[: round_index % len(names)]
                for name in names:
                    url, headers = targets[name]
                    rounds[name].append(
                        asyncio.run(load(url, headers, concurrency=concurrency, requests=args.requests))
                    )
            for name in targets:
                runs = rounds[name]
                p50 = statistics.median(percentile(latencies, 0.5) for latencies, _rps, _failed in runs)
                p99 = percentile([ms for latencies, _rps, _failed in runs for ms in latencies], 0.99)
                rps = statistics.median(rps for _latencies, rps, _failed in runs)
                failures = sum(failed for _latencies, _rps, failed in runs)
                results[(name, concurrency)] = (p50, p99, rps)
                print(f"{name:<13}{concurrency:>8}{p50:>10.1f}{p99:>10.1f}{rps:>10.1f}{failures:>10}", flush=True)

        print("\nRatios (target in brackets):")
        for concurrency in levels:
            ours, lite_r, bare_r = (results[(n, concurrency)] for n in ("atrium", "litellm", "atrium-bare"))
            print(
                f"  {concurrency:>2} clients: p50 atrium/litellm {ours[0] / lite_r[0]:.2f}x (<= 1.0), "
                f"req/s atrium/litellm {ours[2] / lite_r[2]:.2f}x (>= 1.0), "
                f"p50 policy on/off {ours[0] / bare_r[0]:.2f}x (< 1.3), "
                f"req/s policy off/on {bare_r[2] / ours[2]:.2f}x (< 1.3)"
            )
        print(f"\nLogs: {log_dir}")
    finally:
        for process in reversed(processes):
            process.stop()
        if not os.environ.get("BENCH_KEEP_LOGS"):
            shutil.rmtree(log_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
