"""Benchmark batching through the whole /v1 path: 16 concurrent streamed chats vs one at a time.

Run: ``.venv/bin/python -m bench batching`` (PostgreSQL and Redis up, as for `make test`;
the default model's snapshot is prepared by ``manage.py prepare_models`` if missing).

Black-box, as a client sees it: uvicorn serving ``portal.asgi`` (API-key auth, rate
limits, metering, dispatch) and one real inference worker started as ``make run`` starts
it (``celery -A portal worker -Q inference -P threads -c 16``), serving the default chat
model (``settings.DEFAULT_CHAT_MODEL``, smollm2-135m-instruct). The same ``--clients``
chat requests (different prompts that ask for long answers, greedy, ``max_tokens``
``--max-tokens``, ``stream=true`` with ``include_usage``) are sent:

- **one at a time**: each request after the previous one's stream has ended;
- **concurrent**: all at once, each client reading its own stream.

Tokens/s is the completion tokens the streams' usage chunks report, over the wall time
of the run; runs alternate ``--repeats`` times (the machine may be shared) and each mode
reports its median run. The target: concurrent >= 3x one at a time. It also prints the
worker's torch threads, the time to first token, the greedy outputs' agreement
between the modes (batching must not change an answer), and where the worker's decode
loop spent each run (from its health snapshot: decode steps, rows per step, prefills,
and the share of the wall time it was busy; the rest is the path around it: gateway,
dispatch, task threads, Redis, and the client).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.gateway import Process, free_port, inference_worker
from bench.stats import ensure_database, percentile

ROOT = Path(__file__).resolve().parent.parent
TOPICS = [
    "how bread rises",
    "why the sky is blue",
    "how a bicycle stays upright",
    "what an API key is and why to keep it secret",
    "how bees make honey",
    "why we have seasons",
    "how a refrigerator keeps food cold",
    "what a database index does",
    "how rain forms",
    "why cats purr",
    "how a compass works",
    "what makes a good password",
    "how plants grow from seeds",
    "why the moon has phases",
    "how an airplane flies",
    "what a web browser does",
]


def prompts(count: int) -> list[str]:
    return [
        f"Explain {TOPICS[i % len(TOPICS)]} in a long, detailed answer with several paragraphs."
        + (f" (Question {i // len(TOPICS) + 1}.)" if i >= len(TOPICS) else "")
        for i in range(count)
    ]


def prepare_database(env: dict) -> str:
    """Migrate the bench database, register the default models and create a key without tight limits."""
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "prepare_models"], cwd=ROOT, env=env, check=True, capture_output=True)
    script = """
from django.contrib.auth import get_user_model
from portal.apikeys.services import api_key_create
user, _ = get_user_model().objects.get_or_create(email="bench-batching@atrium.local")
key, secret = api_key_create(user=user, name="bench-batching")
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


async def chat(http, url: str, headers: dict, body: dict) -> tuple[str, int, float, float]:
    """One streamed chat: (text, completion tokens from the usage chunk, seconds to first text, seconds)."""
    started = time.perf_counter()
    first, text, tokens = None, [], 0
    async with http.stream("POST", f"{url}/chat/completions", headers=headers, json=body) as response:
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {(await response.aread())[:300]!r}")
        async for line in response.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if "error" in chunk:
                raise RuntimeError(f"stream error: {chunk['error']}")
            if chunk.get("usage"):
                tokens = chunk["usage"]["completion_tokens"]
            for choice in chunk.get("choices", []):
                piece = choice["delta"].get("content")
                if piece:
                    if first is None:
                        first = time.perf_counter() - started
                    text.append(piece)
    return "".join(text), tokens, first or 0.0, time.perf_counter() - started


async def run_mode(url: str, headers: dict, bodies: list[dict], *, concurrent: bool):
    """(wall seconds, completion tokens, texts, first-token seconds, latencies)."""
    import httpx2 as httpx

    async with httpx.AsyncClient(timeout=600, limits=httpx.Limits(max_connections=len(bodies))) as http:
        started = time.perf_counter()
        if concurrent:
            results = await asyncio.gather(*[chat(http, url, headers, body) for body in bodies])
        else:
            results = [await chat(http, url, headers, body) for body in bodies]
        wall = time.perf_counter() - started
    return (
        wall,
        sum(r[1] for r in results),
        [r[0] for r in results],
        [r[2] for r in results],
        [r[3] for r in results],
    )


def loop_totals(redis_url: str, worker_pid: int, model: str, *, after: float, timeout: float = 10) -> dict | None:
    """The worker's decode-loop totals for ``model`` (the ``loop`` figures of its health
    snapshot, see sandbox/inference/health.py) from a snapshot exported after ``after``."""
    import redis

    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for key in client.scan_iter(match=f"atrium:inference:workers:*:{worker_pid}"):
            raw = client.get(key)
            snapshot = json.loads(raw) if raw else {}
            info = snapshot.get("models", {}).get(model, {})
            if snapshot.get("updated_at", 0) > after and "loop" in info:
                return info["loop"]
        time.sleep(0.2)
    return None


def loop_summary(before: dict | None, after: dict | None, wall: float) -> str:
    if before is None or after is None:
        return "the worker exported no loop figures"
    d = {name: after[name] - before[name] for name in after}
    steps, prefills = max(d["steps"], 1), max(d["prefills"], 1)
    busy = (d["step_seconds"] + d["prefill_seconds"]) / wall
    return (
        f"loop busy {100 * busy:.0f}% of the wall time: {d['steps']} decode steps of "
        f"{d['step_rows'] / steps:.1f} rows, {1000 * d['step_seconds'] / steps:.0f} ms each; "
        f"{d['prefills']} prefills of {d['prefilled_rows'] / prefills:.1f} requests "
        f"({100 * d['prefill_seconds'] / wall:.0f}%)"
    )


def wait_until_serving(url: str, headers: dict, model: str, timeout: float = 300) -> None:
    import httpx2 as httpx

    body = {"model": model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            response = httpx.post(f"{url}/chat/completions", json=body, headers=headers, timeout=120)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(1)
    raise TimeoutError(f"{url} did not serve {model} within {timeout}s ({last})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent streamed chat requests")
    parser.add_argument("--max-tokens", type=int, default=64, help="max_tokens of each request")
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs of each mode; medians reported")
    parser.add_argument("--model", default="", help="the hosted model (default: settings.DEFAULT_CHAT_MODEL)")
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"), help="PostgreSQL server"
    )
    parser.add_argument("--database", default="atrium_bench_batching")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4"))
    args = parser.parse_args()

    ensure_database(args.pg, args.database)
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="portal.settings.dev",
        DEBUG="false",
        DATABASE_URL=f"{args.pg}/{args.database}",
        REDIS_URL=args.redis_url,
        SECRET_KEY="bench-secret-key-" + "x" * 40,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        HF_HUB_OFFLINE="1",
    )
    secret = prepare_database(env)
    model = args.model or subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.DEFAULT_CHAT_MODEL)"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    log_dir = Path(tempfile.mkdtemp(prefix="atrium-bench-batching-"))
    port = free_port()
    processes = []
    try:
        worker = inference_worker(f"bench-batching-{os.getpid()}@%h", env, log_dir)
        gateway = Process(
            "gateway",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--host",
                "127.0.0.1",
                "--log-level",
                "warning",
                "--no-access-log",
                "--port",
                str(port),
                "portal.asgi:application",
            ],
            env,
            log_dir,
        )
        processes += [worker, gateway]
        gateway.wait_port(port)
        url, headers = f"http://127.0.0.1:{port}/v1", {"Authorization": f"Bearer {secret}"}
        wait_until_serving(url, headers, model)
        bodies = [
            {
                "model": model,
                "messages": [{"role": "user", "content": prompt}],
                "max_tokens": args.max_tokens,
                "temperature": 0,
                "stream": True,
                "stream_options": {"include_usage": True},
            }
            for prompt in prompts(args.clients)
        ]
        asyncio.run(run_mode(url, headers, bodies[:4], concurrent=True))  # warm up: prefill, joins, connections
        runs: dict[str, list] = {"seq": [], "con": []}
        print(
            f"model {model}, {args.clients} streamed chats, max_tokens {args.max_tokens}, greedy; "
            f"worker torch threads: INFERENCE_CPU_THREADS={os.environ.get('INFERENCE_CPU_THREADS', 'default (1)')}; "
            f"{os.cpu_count()} cores",
            flush=True,
        )
        for repeat in range(args.repeats):
            for mode in ("seq", "con") if repeat % 2 == 0 else ("con", "seq"):
                before = loop_totals(args.redis_url, worker.proc.pid, model, after=time.time())
                run = asyncio.run(run_mode(url, headers, bodies, concurrent=mode == "con"))
                after = loop_totals(args.redis_url, worker.proc.pid, model, after=time.time())
                run = (*run, loop_summary(before, after, run[0]))
                runs[mode].append(run)
                wall, tokens = run[0], run[1]
                label = "one at a time" if mode == "seq" else "concurrent"
                print(
                    f"  run {repeat + 1} {label:>13}: {tokens} tokens in {wall:6.2f} s = {tokens / wall:7.1f} tokens/s"
                )
        seq = sorted(runs["seq"], key=lambda r: r[1] / r[0])
        con = sorted(runs["con"], key=lambda r: r[1] / r[0])
        rate = {mode: [r[1] / r[0] for r in rs] for mode, rs in (("seq", seq), ("con", con))}
        med_seq, med_con = statistics.median(rate["seq"]), statistics.median(rate["con"])
        mid_seq, mid_con = seq[len(seq) // 2], con[len(con) // 2]
        print(f"\n{'mode':16}{'tokens/s (median)':>19}{'min':>9}{'max':>9}{'TTFT p50 s':>12}{'latency p95 s':>15}")
        for label, key, run in (("one at a time", "seq", mid_seq), ("concurrent", "con", mid_con)):
            values = rate[key]
            print(
                f"{label:16}{statistics.median(values):19.1f}{min(values):9.1f}{max(values):9.1f}"
                f"{statistics.median(run[3]):12.2f}{percentile(run[4], 0.95):15.2f}"
            )
        print("\nwhere the worker's decode loop spent the median runs:")
        print(f"  one at a time: {mid_seq[5]}\n  concurrent:    {mid_con[5]}")
        ratios = [c[1] / c[0] / (s[1] / s[0]) for c, s in zip(runs["con"], runs["seq"], strict=True)]
        ratio = med_con / med_seq
        verdict = "meets target" if ratio >= 3 else "MISSES target"
        print(f"\nconcurrent vs one at a time, tokens/s: {ratio:.2f}x (target >= 3x: {verdict})")
        print(
            f"  per repeat: {', '.join(f'{r:.2f}x' for r in ratios)} "
            f"(min {min(ratios):.2f}x, median {statistics.median(ratios):.2f}x)"
        )
        same = sum(a == b for a, b in zip(mid_seq[2], mid_con[2], strict=True))
        print(f"greedy answers identical in both modes: {same}/{args.clients}")
    finally:
        for process in reversed(processes):
            process.stop()
        if not os.environ.get("BENCH_KEEP_LOGS"):
            shutil.rmtree(log_dir, ignore_errors=True)
        else:
            print(f"Logs: {log_dir}")


if __name__ == "__main__":
    main()
