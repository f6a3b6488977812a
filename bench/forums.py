"""Benchmark the forums at size: 100k threads, 1M posts, 10 concurrent readers.

Run: ``.venv/bin/python -m bench.forums`` (PostgreSQL and Redis as for ``make test``), under
the production settings.

It fills a dedicated database (``atrium_bench_forums``; created and migrated when
missing, filled once with COPY, reused by later runs), starts the site under uvicorn
(``--workers`` processes, as in production), and measures with real HTTP requests:

- the topic list (``/community/``, latest, page 1) and
- a thread with 500 replies (``/community/t/<id>/<slug>/``, the first page of 30 posts),

each first with one reader (the server's own time per request, nothing queued) and then
with 10 concurrent readers (what a reader waits under load; ``--repeats`` runs,
interleaved, medians reported), anonymous and logged in. It prints p50/p95 per scenario
and the SQL query count per page, first request and next (the test suite guards that
neither grows with size). Target: p95 under 100 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from bench.serving import SIGN_IN_BACKEND, measure, reference_loop_ms, wait_until_up
from bench.serving import session_cookie as serving_session_cookie
from bench.stats import ensure_database, percentile

DB_NAME = "atrium_bench_forums"
ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")

os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
os.environ["REDIS_URL"] = REDIS
# As a web process does (portal/asgi.py): connections come from a pool, here and in the server.
os.environ.setdefault("DB_POOL_MAX_SIZE", "20")
# Production settings, as deployed (static files from the collected manifest, no test
# conveniences such as WhiteNoise's autorefresh), behind a TLS proxy (see bench.serving.PROXY_HEADERS).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
os.environ.setdefault("SECRET_KEY", "bench-" + hashlib.sha256(b"atrium bench forums").hexdigest())


def generate(*, threads: int, posts: int, big_replies: int, seed: int = 7) -> int:
    """Fill the database with COPY; returns the id of the thread with `big_replies` replies."""
    from django.db import connection
    from django.utils import timezone

    from community.forums.demo import seed as seed_forums
    from community.forums.models import Category, Tag, Thread
    from portal.accounts.models import Profile, User
    from portal.markdown import MEMBER, render_markdown

    rng = random.Random(seed)
    existing = Thread.objects.count()
    if existing >= threads:
        big = Thread.objects.filter(title__startswith="[bench] big thread").values_list("pk", flat=True).first()
        print(f"Reusing {existing:,} threads in {DB_NAME}.")
        return big
    if existing:
        sys.exit(f"{DB_NAME} holds {existing:,} threads (< {threads:,}); drop it and run again.")

    started = time.perf_counter()

    class Quiet:
        def write(self, *_args):
            pass

    seed_forums(stdout=Quiet())  # the five categories and tags
    Thread.objects.all().delete()
    categories = list(Category.objects.values_list("pk", flat=True))
    tags = list(Tag.objects.values_list("pk", flat=True))
    users = User.objects.bulk_create(
        [User(email=f"bench{n}@example.org", date_joined=timezone.now() - timedelta(days=400)) for n in range(1000)]
    )
    Profile.objects.bulk_create(
        [Profile(user=u, handle=f"bench{n}", display_name=f"Bench Member {n}") for n, u in enumerate(users)]
    )
    user_ids = [u.pk for u in users]

    bodies = [
        "How do I stream completions with the Python SDK? I only get one chunk.",
        "Use `stream=True` and iterate:\n\n```python\nfor chunk in stream:\n    print(chunk.choices[0].delta)\n```",
        "> quoted text\n\nI see the same **rate limit** on batch jobs; backoff fixed it for me.",
        "Fine-tuning with LoRA rank 8 on 2k examples took 40 minutes. See https://example.org/notes",
    ]
    rendered = [render_markdown(b, profile=MEMBER).html for b in bodies]
    digests = [hashlib.sha256(b.encode()).hexdigest() for b in bodies]

    replies_total = posts - threads
    counts = [0] * threads
    counts[0] = big_replies
    for index in rng.choices(range(1, threads), k=max(replies_total - big_replies, 0)):
        counts[index] += 1

    now = timezone.now()
    thread_rows = []
    for i in range(threads):
        created = now - timedelta(minutes=rng.randint(60, 525_600))
        last = created + timedelta(minutes=counts[i] * rng.randint(1, 30)) if counts[i] else created
        last = min(last, now)
        title = "[bench] big thread with hundreds of replies" if i == 0 else f"Question {i} about streaming and limits"
        thread_rows.append(
            (
                categories[i % len(categories)],
                user_ids[i % len(user_ids)],
                title,
                f"question-{i}",
                created,
                last,
                user_ids[(i * 7) % len(user_ids)],
                counts[i],
                rng.randint(0, 40),
                created + timedelta(minutes=5) if counts[i] else None,
                "",
                "",
                False,
                False,
                False,
                False,
                bodies[i % 4],
            )
        )
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        with cursor.connection.cursor().copy(
            "COPY forums_thread (category_id, author_id, title, slug, created_at, last_activity_at, last_poster_id,"
            " reply_count, score, first_response_at, error_code, idea_status, is_pinned, is_locked, is_hidden,"
            " is_deleted, search_text) FROM STDIN"
        ) as copy:
            for row in thread_rows:
                copy.write_row(row)
        cursor.execute("SELECT id FROM forums_thread ORDER BY id")
        thread_ids = [row[0] for row in cursor.fetchall()]
        with cursor.connection.cursor().copy("COPY forums_thread_tags (thread_id, tag_id) FROM STDIN") as copy:
            for n, thread_id in enumerate(thread_ids):
                copy.write_row((thread_id, tags[n % len(tags)]))
        print(f"  {threads:,} threads in {time.perf_counter() - started:.0f} s")
        with cursor.connection.cursor().copy(
            "COPY forums_post (thread_id, author_id, is_first, body, body_html, body_hash, is_staff_reply, score,"
            " created_at, edit_count, is_hidden, hidden_reason, hidden_as_spam, is_deleted, is_wiki) FROM STDIN"
        ) as copy:
            written = 0
            for i, thread_id in enumerate(thread_ids):
                created = thread_rows[i][4]
                for n in range(counts[i] + 1):
                    k = 0 if n == 0 else 1 + (n + i) % 3
                    copy.write_row(
                        (
                            thread_id,
                            user_ids[(i + n * 13) % len(user_ids)],
                            n == 0,
                            bodies[k],
                            rendered[k],
                            digests[k],
                            False,
                            n % 5,
                            created + timedelta(seconds=n * 60),
                            0,
                            False,
                            "",
                            False,
                            False,
                            False,
                        )
                    )
                written += counts[i] + 1
        cursor.execute("ANALYZE")
    print(f"  {written:,} posts; generated in {time.perf_counter() - started:.0f} s")
    return thread_ids[0]


def session_cookie() -> str:
    from portal.accounts.models import User

    return serving_session_cookie(User.objects.get(email="bench1@example.org"), warm_path="/community/")


def server_side(path: str, cookie_user: bool, requests: int) -> tuple[str, list[float], float]:
    """In this process, through Django's handler (no HTTP, no queueing): the query count
    of the first request and of the next ("first/next": a fresh sign-in loads its user and
    writes its read marker once), per-request wall times and mean CPU ms: the server's own
    cost of a page."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    if cookie_user:
        client.force_login(User.objects.get(email="bench1@example.org"), backend=SIGN_IN_BACKEND)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        counts.append(str(len(ctx.captured_queries)))
    queries = "/".join(counts)
    times = []
    cpu = time.process_time()
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return queries, times, (time.process_time() - cpu) / requests * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--big-replies", type=int, default=500)
    parser.add_argument("--readers", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300, help="requests per scenario")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument(
        "--repeats", type=int, default=3, help="loaded runs per scenario, interleaved; medians reported"
    )
    args = parser.parse_args()

    ensure_database(PG, DB_NAME)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    big = generate(threads=args.threads, posts=args.posts, big_replies=args.big_replies)

    from django.db import connection

    from community.forums.models import Post, Thread

    thread = Thread.objects.get(pk=big)
    print(
        f"Database {DB_NAME}: {Thread.objects.count():,} threads, "
        f"{Post.objects.count():,} posts; big thread has {thread.reply_count} replies."
    )
    pages = {"topic list": "/community/", "500-reply thread": thread.get_absolute_url()}
    cookie = session_cookie()
    connection.close()

    port = 8765
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "uvicorn", "portal.asgi:application", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(args.workers), "--log-level", "warning"]
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(port)
        for path in pages.values():  # warm every worker's connections and template caches
            measure(base, path, readers=args.workers * 2, requests=args.workers * 8)
        reference_before = reference_loop_ms()
        print(f"\nuvicorn, {args.workers} workers; {os.cpu_count()} CPU cores on this machine.")
        print("server = Django handler in process, one request at a time (wall p50/p95, mean CPU);")
        print(f"HTTP = through uvicorn, 1 reader and {args.readers} concurrent readers;")
        print(f"the loaded figures are medians of {args.repeats} runs (p95 range in brackets), runs interleaved.\n")
        print(
            f"{'page':<17} {'reader':<10} {'queries':>7} {'server p50/p95':>15} {'cpu':>5} "
            f"{'HTTP 1 p50/p95':>15} {f'HTTP {args.readers} p50/p95 [p95 range]':>30} {'req/s':>6}"
        )
        scenarios = [
            (name, path, who, who_cookie)
            for name, path in pages.items()
            for who, who_cookie in (("anonymous", ""), ("logged in", cookie))
        ]
        single = {}
        for name, path, who, who_cookie in scenarios:
            queries, handler_ms, cpu_ms = server_side(path, bool(who_cookie), max(args.requests // 5, 20))
            solo = measure(base, path, readers=1, requests=max(args.requests // 5, 20), cookie=who_cookie)
            single[name, who] = (queries, handler_ms, cpu_ms, solo)
        # Interleaved, so that a burst of load from elsewhere on a shared machine does not
        # land on one scenario only.
        loaded_runs = {(name, who): [] for name, _path, who, _cookie in scenarios}
        for _ in range(args.repeats):
            for name, path, who, who_cookie in scenarios:
                started = time.perf_counter()
                times = measure(base, path, readers=args.readers, requests=args.requests, cookie=who_cookie)
                rate = len(times) / (time.perf_counter() - started)
                loaded_runs[name, who].append((statistics.median(times), percentile(times, 0.95), rate))
        for name, _path, who, _cookie in scenarios:
            queries, handler_ms, cpu_ms, solo = single[name, who]
            runs = loaded_runs[name, who]
            p50 = statistics.median(run[0] for run in runs)
            p95s = [run[1] for run in runs]
            rate = statistics.median(run[2] for run in runs)
            loaded = f"{p50:.1f}/{statistics.median(p95s):.1f} [{min(p95s):.0f}-{max(p95s):.0f}]"
            print(
                f"{name:<17} {who:<10} {queries:>7}"
                f" {statistics.median(handler_ms):>7.1f}/{percentile(handler_ms, 0.95):<7.1f}"
                f" {cpu_ms:>5.1f} {statistics.median(solo):>7.1f}/{percentile(solo, 0.95):<7.1f}"
                f" {loaded:>30} {rate:>6.1f}"
            )
        print(
            f"\nReference loop (CPU speed of the host; lower is faster): {reference_before:.0f} ms before the"
            f" runs, {reference_loop_ms():.0f} ms after."
        )
        print(f"Load average while measuring: {os.getloadavg()[0]:.1f} (machine shared with other work).")
        print("\nTarget: p95 under 100 ms with 10 concurrent readers (the median run's p95 above).")
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
