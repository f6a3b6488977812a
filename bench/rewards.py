"""Benchmark contribution rewards at size: 100k members, 5M ledger entries.

Run: ``.venv/bin/python -m bench.rewards`` (PostgreSQL and Redis as for ``make test``);
``--members`` / ``--entries`` for a smaller database (each size gets its own database,
``atrium_bench_rewards_<members>_<entries>``, created, migrated and filled once, reused by
later runs; Redis database ``BENCH_REDIS_URL``, default 15, whose activity stream it empties).

Filling: members (users, profiles, verified addresses) and the ledger are written by
PostgreSQL itself (``INSERT ... SELECT`` over ``generate_series``, seeded, so every run of
one size holds the same rows): awards from the default rules (skewed, as real
contribution is: a few members earn most), refusals, reversals of earlier awards,
spends; dated over two years, denser towards now. The sums the ledger services keep
beside each entry (``MemberStanding``, ``PointsDay``) are then summed from the ledger in
SQL, as the services would have left them (checked against the ledger for a sample of
members); the leaderboards' rollup is built by the real rollup code
(``community.rewards.leaderboards``, what beat runs).

Then it measures, and prints beside the baseline it names:

(a) **Reading**: the leaderboard (this week, this month, all time, one category) and a
    member's profile, served by uvicorn under the production settings, with 1 and 10
    concurrent signed-in readers over HTTP (p50/p95; medians of ``--repeats`` interleaved
    runs). Baseline: the same leaderboard computed by scanning the ledger
    (``GROUP BY`` over ``PointsEntry`` for the period), timed alone, one at a time.
    Target: p95 under 100 ms with 10 readers.
(b) **Awarding**: forum activities (upvotes on answers and questions, accepted answers) recorded
    by the real forum services, then stored and handled by the real consumer
    (``activity_events_flush``) with every handler the site registers (rewards, trust,
    badges, notifications, ...): activities per second, with 1 consumer and with
    ``--consumers`` processes side by side. Baseline: the same consumer storing the same
    number of activities with no handler. Target: 1,000 activities per second.

Figures go to stdout only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from bench.stats import percentile

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
# A Redis database of its own: the bench empties the activity stream there, and a test run or
# another bench on the same database would take or delete its entries.
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
SIGN_IN_BACKEND = "portal.accounts.backends.CachedPermissionsBackend"
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
DAYS = 730  # how far back the ledger goes


def database_name(members: int, entries: int) -> str:
    return f"atrium_bench_rewards_{members}_{entries}"


def configure(db_name: str) -> None:
    os.environ["DATABASE_URL"] = f"{PG}/{db_name}"
    os.environ["REDIS_URL"] = REDIS
    os.environ.setdefault("DB_POOL_MAX_SIZE", "20")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
    os.environ.setdefault("SECRET_KEY", "bench-" + hashlib.sha256(b"atrium bench rewards").hexdigest())


# --- Filling -------------------------------------------------------------------------------


def _rule_mix() -> list[tuple[str, int, int, bool]]:
    """(rule key, points, weight per 1,000 awards, in a forum category): what members earn
    most often, as on a Q&A site (upvotes far more than acceptances)."""
    from community.rewards.rules import rule_default

    weights = {
        "forum.answer.upvoted": (520, True),
        "forum.question.upvoted": (230, True),
        "forum.answer.accepted": (90, True),
        "forum.answer.accepting": (60, True),
        "forum.post.downvoted": (40, True),
        "forum.downvote.cast": (20, True),
        "docs.feedback": (20, False),
        "account.email_verified": (8, False),
        "api.first_call": (7, False),
        "finetune.first_success": (4, False),
        "forum.post.spam": (1, True),
    }
    return [(key, rule_default(key).points, weight, forum) for key, (weight, forum) in weights.items()]


def generate(*, members: int, entries: int) -> None:
    """Fill an empty bench database; a filled one is reused."""
    from django.db import connection

    from portal.accounts.models import User

    existing = User.objects.filter(email__startswith="bench").count()
    if existing >= members:
        print(f"Reusing {existing:,} members and their ledger.")
        return
    if existing:
        sys.exit(f"The bench database holds {existing:,} members (< {members:,}); drop it and run again.")

    from community.forums.demo import seed as seed_forums

    class Quiet:
        def write(self, *_args):
            pass

    seed_forums(stdout=Quiet())  # the five categories
    from community.forums.models import Category

    categories = list(Category.objects.order_by("pk").values_list("pk", flat=True))
    mix = _rule_mix()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        # The rows are consistent by construction: skip the per-row foreign-key triggers while
        # filling (a superuser's setting, this session only; the constraints stay).
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SELECT setseed(0.16)")
        # Members: unusable passwords (the bench signs in with sessions it makes), verified
        # addresses (vote points count only between verified members), joined over two years.
        cursor.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, email, is_staff, is_active, date_joined, language)
            SELECT '!', false, 'bench' || n || '@example.org', false, true,
                   now() - (random() * %s) * interval '1 day', ''
            FROM generate_series(1, %s) AS n
            """,
            [DAYS, members],
        )
        cursor.execute(
            """
            INSERT INTO accounts_profile (user_id, handle, display_name, bio, github, website, created_at)
            SELECT id, replace(split_part(email, '@', 1), 'bench', 'bench-'), 'Bench Member ' || id, '', '', '',
                   date_joined
            FROM accounts_user WHERE email LIKE 'bench%@example.org'
            """
        )
        cursor.execute(
            """
            INSERT INTO account_emailaddress (user_id, email, verified, "primary")
            SELECT id, email, true, true FROM accounts_user WHERE email LIKE 'bench%@example.org'
            """
        )
        cursor.execute("SELECT min(id), max(id) FROM accounts_user WHERE email LIKE 'bench%@example.org'")
        first_user, last_user = cursor.fetchone()
        print(f"  {members:,} members in {time.perf_counter() - started:.0f} s")

        # The ledger. 92% awards, 3% refusals, 3% reversals (of awards), 2% spends.
        awards = entries * 92 // 100
        refused = entries * 3 // 100
        reversals = entries * 3 // 100
        spends = entries - awards - refused - reversals
        total_weight = sum(weight for _key, _points, weight, _forum in mix)
        # One rule per award, drawn by weight: a CASE over a uniform draw.
        bounds, acc = [], 0
        for key, points, weight, forum in mix:
            acc += weight
            bounds.append((acc / total_weight, key, points, forum))
        rule_case = " ".join(f"WHEN r < {bound} THEN {i}" for i, (bound, _k, _p, _f) in enumerate(bounds))
        keys = "ARRAY[" + ",".join(f"'{key}'" for _b, key, _p, _f in bounds) + "]"
        points = "ARRAY[" + ",".join(str(points) for _b, _k, points, _f in bounds) + "]"
        forum = "ARRAY[" + ",".join("true" if f else "false" for _b, _k, _p, f in bounds) + "]"
        cats = "ARRAY[" + ",".join(str(c) for c in categories) + "]"
        span = last_user - first_user + 1
        # Skew: user = first + span * u^3 (u uniform): the top 1% of members hold about a
        # fifth of the entries, half of the members a few each. Time: now - DAYS * v^2, so
        # the last week holds ~10% of the entries and the last month ~20%.
        cursor.execute(
            f"""
            INSERT INTO rewards_pointsentry
                (user_id, amount, kind, rule_key, cause, activity_id, counterpart_id, category_id, reverses_id,
                 reason, withheld, note, created_at)
            SELECT {first_user} + floor({span} * power(u, 3))::int,
                   ({points})[k + 1], 'award', ({keys})[k + 1], 'bench:' || n, NULL,
                   CASE WHEN ({forum})[k + 1] THEN {first_user} + floor({span} * c)::int END,
                   CASE WHEN ({forum})[k + 1] THEN ({cats})[1 + floor(c * 1000)::int % {len(categories)}] END,
                   NULL, '', 0, '', now() - (power(v, 2) * {DAYS}) * interval '1 day'
            FROM (
                SELECT n, random() AS u, random() AS v, random() AS c,
                       CASE {rule_case} ELSE {len(bounds) - 1} END AS k
                FROM (SELECT n, random() AS r FROM generate_series(1, {awards}) AS n) AS draws
            ) AS rows
            """
        )
        print(f"  {awards:,} awards in {time.perf_counter() - started:.0f} s")
        # Refusals: vote points over the daily cap or between linked accounts (0 points).
        cursor.execute(
            f"""
            INSERT INTO rewards_pointsentry
                (user_id, amount, kind, rule_key, cause, activity_id, counterpart_id, category_id, reverses_id,
                 reason, withheld, note, created_at)
            SELECT {first_user} + floor({span} * power(random(), 3))::int, 0, 'refused', 'forum.answer.upvoted',
                   'bench-refused:' || n, NULL, NULL, ({cats})[1 + n % {len(categories)}], NULL,
                   'Daily limit on points from votes reached.', 10, '',
                   now() - (power(random(), 2) * {DAYS}) * interval '1 day'
            FROM generate_series(1, {refused}) AS n
            """
        )
        # Reversals: every k-th award taken back an hour later (votes withdrawn, answers un-accepted).
        step = max(awards // max(reversals, 1), 1)
        cursor.execute(
            f"""
            INSERT INTO rewards_pointsentry
                (user_id, amount, kind, rule_key, cause, activity_id, counterpart_id, category_id, reverses_id,
                 reason, withheld, note, created_at)
            SELECT user_id, -amount, 'reversal', rule_key, cause, NULL, counterpart_id, category_id, id,
                   'The vote was withdrawn.', 0, '', least(created_at + interval '1 hour', now())
            FROM rewards_pointsentry
            WHERE kind = 'award' AND id % {step} = 0
            ORDER BY id
            LIMIT {reversals}
            """
        )
        # Spends: bounties and store orders.
        cursor.execute(
            f"""
            INSERT INTO rewards_pointsentry
                (user_id, amount, kind, rule_key, cause, activity_id, counterpart_id, category_id, reverses_id,
                 reason, withheld, note, created_at)
            SELECT {first_user} + floor({span} * power(random(), 3))::int, -(50 + floor(random() * 10) * 25)::int,
                   'spend', '', 'bench-spend:' || n, NULL, NULL, NULL, NULL, '', 0, 'Bench spend',
                   now() - (power(random(), 2) * {DAYS}) * interval '1 day'
            FROM generate_series(1, {spends}) AS n
            """
        )
        print(f"  {entries:,} ledger entries in {time.perf_counter() - started:.0f} s")
        # What the services keep beside each entry (community/rewards/services.py ``_append``):
        # the member's sums, and reputation per UTC day and category (0: none).
        cursor.execute(
            """
            INSERT INTO rewards_memberstanding (user_id, reputation, balance, leaderboard_opt_out, updated_at)
            SELECT user_id,
                   sum(amount) FILTER (WHERE kind IN ('award', 'reversal', 'refused')),
                   sum(amount), false, now()
            FROM rewards_pointsentry GROUP BY user_id
            """
        )
        # One member in a hundred has opted out of the leaderboards.
        cursor.execute("UPDATE rewards_memberstanding SET leaderboard_opt_out = true WHERE user_id % 100 = 7")
        cursor.execute(
            """
            INSERT INTO rewards_pointsday (user_id, day, category_id, points)
            SELECT user_id, (created_at AT TIME ZONE 'UTC')::date, coalesce(category_id, 0), sum(amount)
            FROM rewards_pointsentry
            WHERE kind IN ('award', 'reversal', 'refused') AND amount <> 0
            GROUP BY 1, 2, 3
            """
        )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("ANALYZE")
    print(f"  standings and daily sums in {time.perf_counter() - started:.0f} s")
    check_rollups_match_ledger()
    started = time.perf_counter()
    leaderboards_rebuild()
    print(f"  leaderboards rebuilt by the rollup code in {time.perf_counter() - started:.1f} s")


def check_rollups_match_ledger(sample: int = 200) -> None:
    """The standings and daily sums equal the ledger for a sample of members (what the
    services keep; a wrong fill would make the reading figures meaningless)."""
    from django.db.models import Sum

    from community.rewards.models import REPUTATION_KINDS, MemberStanding, PointsDay, PointsEntry

    ids = list(MemberStanding.objects.order_by("?").values_list("pk", flat=True)[:sample])
    for user_id in ids:
        standing = MemberStanding.objects.get(pk=user_id)
        ledger = PointsEntry.objects.filter(user_id=user_id)
        reputation = ledger.filter(kind__in=REPUTATION_KINDS).aggregate(s=Sum("amount"))["s"] or 0
        balance = ledger.aggregate(s=Sum("amount"))["s"] or 0
        days = PointsDay.objects.filter(user_id=user_id).aggregate(s=Sum("points"))["s"] or 0
        if (standing.reputation, standing.balance, days) != (reputation, balance, reputation):
            sys.exit(f"rollups disagree with the ledger for member {user_id}")


def leaderboards_rebuild() -> None:
    from community.rewards.leaderboards import leaderboards_rebuild as rebuild

    rebuild()


# --- (a) Reading: leaderboards and a profile -------------------------------------------------


def scan_baseline(*, board: str, category_id: int, repeats: int) -> list[float]:
    """The board's first page computed from the ledger itself (no rollup), as a page would
    without one: the period's reputation entries summed per member, ranked, first 50."""
    from django.db import connection

    from community.rewards.leaderboards import period_start, utc_today

    start = period_start(board, utc_today())
    category = "AND e.category_id = %s" if category_id else ""
    sql = f"""
        SELECT e.user_id, sum(e.amount) AS points
        FROM rewards_pointsentry e JOIN accounts_user u ON u.id = e.user_id AND u.is_active
        WHERE e.kind IN ('award', 'reversal', 'refused') AND e.created_at >= %s {category}
          AND e.user_id NOT IN (SELECT user_id FROM rewards_memberstanding WHERE leaderboard_opt_out)
        GROUP BY e.user_id HAVING sum(e.amount) > 0
        ORDER BY points DESC, e.user_id LIMIT 50
    """
    params = [start.isoformat(), *([category_id] if category_id else [])]
    times = []
    with connection.cursor() as cursor:
        for _ in range(repeats):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return times


def server_side(path: str, user, requests: int) -> tuple[str, list[float]]:
    """In this process, through Django's handler (no HTTP, no queueing): the SQL queries of
    the first request and of the next ("first/next"), and per-request wall times."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.serving import SIGN_IN_BACKEND

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user, backend=SIGN_IN_BACKEND)
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200, path
        counts.append(str(len(ctx.captured_queries)))
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return "/".join(counts), times


def reading(args) -> None:
    from django.db import connection

    from bench.serving import measure, reference_loop_ms, session_cookie, uvicorn_start, wait_until_up
    from community.rewards.models import LeaderboardRow, MemberStanding
    from portal.accounts.models import User

    busiest_category = (
        LeaderboardRow.objects.filter(board="all")
        .exclude(category_id=0)
        .values_list("category_id", flat=True)
        .order_by("rank")
        .first()
    )
    top = MemberStanding.objects.order_by("-reputation").select_related("user__profile").first()
    # The reader: a member in the middle of the all-time board (their own place is looked up too).
    ranked = LeaderboardRow.objects.filter(board="all", category_id=0).count()
    reader_row = (
        LeaderboardRow.objects.filter(board="all", category_id=0, rank__gte=ranked // 2).order_by("rank").first()
    )
    reader = (
        User.objects.get(pk=reader_row.user_id)
        if reader_row
        else User.objects.filter(email__startswith="bench").first()
    )
    pages = {
        "leaderboard, week": ("/rewards/leaderboard/?period=week", ("week", 0)),
        "leaderboard, month": ("/rewards/leaderboard/?period=month", ("month", 0)),
        "leaderboard, all time": ("/rewards/leaderboard/?period=all", ("all", 0)),
        "leaderboard, category": (
            f"/rewards/leaderboard/?period=all&category={busiest_category}",
            ("all", busiest_category),
        ),
        "profile (top member)": (f"/u/{top.user.profile.handle}/", None),
    }
    cookie = session_cookie(reader, warm_path="/rewards/leaderboard/")
    in_process = {name: server_side(path, reader, max(args.requests // 5, 20)) for name, (path, _scan) in pages.items()}
    baselines = {
        name: scan_baseline(board=board, category_id=category, repeats=3)
        for name, (_path, scan) in pages.items()
        if scan
        for board, category in [scan]
    }
    connection.close()

    port = args.port
    server = uvicorn_start(port=port, workers=args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(port)
        for path, _scan in pages.values():  # warm every worker's connections and template caches
            measure(base, path, readers=args.workers * 2, requests=args.workers * 8, cookie=cookie)
        reference_before = reference_loop_ms()
        print(f"\n(a) Reading: uvicorn, {args.workers} workers, production settings; {os.cpu_count()} CPU cores.")
        print(f"Signed-in reader; 1 reader, then {args.readers} concurrent readers ({args.requests} requests per run,")
        print(f"medians of {args.repeats} interleaved runs, p95 range in brackets). Baseline: the same board's first")
        print("page summed from the ledger (PointsEntry) in SQL, one query at a time, median of 3 (database time).")
        print("queries: SQL per page, first request/next; server p50: Django's handler in this process, no HTTP.\n")
        single = {
            name: measure(base, path, readers=1, requests=max(args.requests // 5, 20), cookie=cookie)
            for name, (path, _scan) in pages.items()
        }
        runs = {name: [] for name in pages}
        for _ in range(args.repeats):
            for name, (path, _scan) in pages.items():
                times = measure(base, path, readers=args.readers, requests=args.requests, cookie=cookie)
                runs[name].append((statistics.median(times), percentile(times, 0.95)))
        print(
            f"{'page':<24} {'queries':>7} {'server p50':>10} {'1 reader p50/p95':>17} "
            f"{f'{args.readers} readers p50/p95 [range]':>30} {'ledger scan':>12} {'scan / p95':>11}"
        )
        for name in pages:
            p50 = statistics.median(run[0] for run in runs[name])
            p95s = [run[1] for run in runs[name]]
            p95 = statistics.median(p95s)
            solo = single[name]
            scan = baselines.get(name)
            scan_text = f"{statistics.median(scan):>10.0f}ms" if scan else f"{'-':>12}"
            ratio = f"{statistics.median(scan) / p95:>10.1f}x" if scan else f"{'-':>11}"
            loaded = f"{p50:.1f}/{p95:.1f} [{min(p95s):.0f}-{max(p95s):.0f}]"
            queries, handler_ms = in_process[name]
            print(
                f"{name:<24} {queries:>7} {statistics.median(handler_ms):>10.1f}"
                f" {statistics.median(solo):>8.1f}/{percentile(solo, 0.95):<8.1f} {loaded:>30} {scan_text} {ratio}"
            )
        print(
            f"\nTarget: p95 under 100 ms with {args.readers} concurrent readers. Reference loop (host speed; lower is"
            f" faster): {reference_before:.0f} ms before, {reference_loop_ms():.0f} ms after; load average"
            f" {os.getloadavg()[0]:.1f}."
        )
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


# --- (b) Awarding: activities through the real consumer and handlers ----------------------------


def forum_fixture(*, threads: int, answers: int, run: str) -> tuple[list, list, list]:
    """Q&A threads among the bench members (written directly: posting goes through flood
    limits made for people), each with ``answers`` answers by others. Returns (questions,
    answers, askers). New threads for every run, so every vote and acceptance is a first."""
    import random

    from django.utils import timezone

    from community.forums.models import Category, CategoryKind, Post, Thread

    rng = random.Random(run)
    category = Category.objects.filter(kind=CategoryKind.QA).order_by("pk").first()
    members = list(
        __import__("portal.accounts.models", fromlist=["User"])
        .User.objects.filter(email__startswith="bench")
        .order_by("pk")
        .values_list("pk", flat=True)[:20_000]
    )
    now = timezone.now()
    askers = [rng.choice(members) for _ in range(threads)]
    created = Thread.objects.bulk_create(
        Thread(
            category=category,
            author_id=asker,
            title=f"[bench {run}] question {n}",
            slug=f"bench-{run}-{n}",
            last_poster_id=asker,
            reply_count=answers,
            created_at=now,
            last_activity_at=now,
        )
        for n, asker in enumerate(askers)
    )
    body = "Stream with `stream=True` and read each chunk's delta."
    questions = Post.objects.bulk_create(
        Post(thread=thread, author_id=thread.author_id, is_first=True, body=body, body_html=f"<p>{body}</p>")
        for thread in created
    )
    replies = Post.objects.bulk_create(
        Post(
            thread=thread,
            author_id=rng.choice([m for m in members[:200] if m != thread.author_id]),
            body=body,
            body_html=f"<p>{body}</p>",
        )
        for thread in created
        for _ in range(answers)
    )
    return questions, replies, askers


def record_activities(*, count: int, run: str) -> tuple[int, float]:
    """``count`` activities recorded by the forum services, as members cause them: upvotes
    (four in five on answers) by random verified members, and each asker accepting one
    answer. Returns (activities recorded, seconds)."""
    import random

    from community.forums import services as forums
    from portal.accounts.models import User

    threads = max(count // 10, 1)
    questions, answers, askers = forum_fixture(threads=threads, answers=4, run=run)
    rng = random.Random(run + "votes")
    voters = list(User.objects.filter(email__startswith="bench").order_by("pk").values_list("pk", flat=True))
    users: dict[int, object] = {}

    def user(pk: int):
        if pk not in users:
            users[pk] = User.objects.get(pk=pk)
        return users[pk]

    started = time.perf_counter()
    recorded = 0
    for n, answer in enumerate(answers[::4]):
        forums.post_accept_answer(user=user(askers[n]), post=answer)
        recorded += 1
    seen = set()
    while recorded < count:
        post = rng.choice(answers) if rng.random() < 0.8 else rng.choice(questions)
        voter = rng.choice(voters)
        if voter == post.author_id or (voter, post.pk) in seen:
            continue
        seen.add((voter, post.pk))
        forums.post_vote(user=user(voter), post=post, direction="up")
        recorded += 1
    return recorded, time.perf_counter() - started


def _runs_due() -> bool:
    """Whether handler runs wait to be run now (a batch runs at most 1,000 at once; the rest
    are taken by the consumer's next call, as beat's next tick would)."""
    from django.utils import timezone

    from community.activity.selectors import handler_runs_due

    return handler_runs_due(now=timezone.now())


def flush_until(count: int) -> float:
    """Seconds the consumer takes to store ``count`` activities and run all their handlers."""
    from community.activity.services import activity_events_flush

    started = time.perf_counter()
    stored = 0
    while stored < count or _runs_due():
        done = activity_events_flush(batch_size=500)
        stored += done
        if not done and time.perf_counter() - started > 1800:
            sys.exit(f"the consumer stored {stored} of {count} activities in 30 minutes")
    return time.perf_counter() - started


class HandlerCosts:
    """Wall time and SQL queries of each handler's runs (a timer and a query counter around
    each handler function: a few microseconds per run and per query)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.queries: dict[str, int] = {}
        self.runs: dict[str, int] = {}

    def __enter__(self):
        from community.activity import handlers

        self._saved = dict(handlers._handlers)
        for name, handler in self._saved.items():
            handlers._handlers[name] = handlers.ActivityHandler(
                name=name, verbs=handler.verbs, func=self._wrap(name, handler.func), batch=handler.batch
            )
        return self

    def __exit__(self, *_exc):
        from community.activity import handlers

        handlers._handlers.clear()
        handlers._handlers.update(self._saved)

    def _wrap(self, name, func):
        from django.db import connection

        def count(execute, sql, params, many, context):
            self.queries[name] = self.queries.get(name, 0) + 1
            return execute(sql, params, many, context)

        def timed(activity):  # a list of them for a batch handler
            started = time.perf_counter()
            try:
                with connection.execute_wrapper(count):
                    return func(activity)
            finally:
                self.seconds[name] = self.seconds.get(name, 0) + time.perf_counter() - started
                self.runs[name] = self.runs.get(name, 0) + (len(activity) if isinstance(activity, list) else 1)

        return timed

    def report(self) -> None:
        print(f"\n{'where the time goes: handler':<40} {'runs':>6} {'ms/run':>8} {'queries/run':>12} {'share':>6}")
        total = sum(self.seconds.values()) or 1
        for name in sorted(self.seconds, key=self.seconds.get, reverse=True):
            runs, seconds = self.runs[name], self.seconds[name]
            queries = self.queries.get(name, 0) / runs
            print(f"{name:<40} {runs:>6,} {seconds / runs * 1000:>8.1f} {queries:>12.1f} {seconds / total:>6.0%}")


def consume_until_empty(go_key: str) -> None:
    """One of several consumer processes: wait for the go signal, then flush until the stream
    is drained; prints its finish time (epoch seconds)."""
    from community.activity.services import STREAM, activity_events_flush, events_stream
    from portal.redis_client import get_redis

    redis = get_redis()
    print("ready", flush=True)
    while not redis.exists(go_key):
        time.sleep(0.005)
    while True:
        stored = activity_events_flush(batch_size=200)
        if not stored and not redis.xlen(STREAM) and not events_stream.pending_count() and not _runs_due():
            break
    print(f"done {time.time():.6f}", flush=True)


def awarding(args) -> None:
    from community.activity import handlers
    from community.activity.selectors import handler_run_last_id, handler_runs_after
    from community.activity.services import STREAM, events_stream
    from portal.redis_client import get_redis
    from portal.streams import FIELD

    redis = get_redis()
    redis.delete(STREAM)
    run = f"{int(time.time())}"
    count = args.activities
    names = handlers.handler_names()
    print(f"\n(b) Awarding: {count:,} activities (upvotes, accepted answers) recorded by the forum services, then")
    print("stored and handled by the real consumer (activity_events_flush, as beat runs it every second) with every")
    print(f"handler the site registers ({len(names)}: {', '.join(sorted(names))}).")
    print("Baseline: the same activities stored by the same consumer with no handler.\n")

    recorded, seconds = record_activities(count=count, run=run)
    print(f"recorded {recorded:,} activities through the forum services in {seconds:.1f} s")
    # What the consumer will read, kept for the baseline (entries are deleted once stored).
    payloads = [json.loads(fields.get(FIELD) or fields[FIELD.encode()]) for _id, fields in redis.xrange(STREAM)]
    last_run = handler_run_last_id()
    with HandlerCosts() as costs:
        seconds = flush_until(recorded)
    runs, failed = handler_runs_after(run_id=last_run)
    with_handlers = recorded / seconds
    print(
        f"1 consumer, every handler:   {with_handlers:>7,.0f} activities/s ({runs:,} handler runs; "
        f"{seconds:.1f} s)" + (f"; {failed} runs did not succeed" if failed else "")
    )

    # The baseline: the same entries again (new ids), no handler registered.
    registered = dict(handlers._handlers)
    handlers._handlers.clear()
    try:
        for payload in payloads:
            events_stream.append(dict(payload, id=str(uuid.uuid4()), dedupe_key=None))
        seconds = flush_until(len(payloads))
    finally:
        handlers._handlers.update(registered)
    store_only = len(payloads) / seconds
    print(f"1 consumer, no handler:      {store_only:>7,.0f} activities/s (storing alone; {seconds:.1f} s)")
    costs.report()

    if args.consumers > 1:
        recorded, _seconds = record_activities(count=count, run=run + "p")
        go_key = f"bench:rewards:go:{run}"
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.rewards", "--consume", go_key, *args.size_args],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(args.consumers)
        ]
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready"
        go = time.time()
        redis.set(go_key, "1", ex=3600)
        finished = []
        for worker in workers:
            out, _ = worker.communicate(timeout=900)
            finished += [float(line.split()[1]) for line in out.splitlines() if line.startswith("done ")]
        seconds = max(finished) - go
        parallel = recorded / seconds
        print(f"{args.consumers} consumers, every handler: {parallel:>7,.0f} activities/s ({seconds:.1f} s)")
    print(
        f"\nTarget: 1,000 activities/s. Storing alone is {store_only / with_handlers:,.0f}x as fast as storing and"
        " handling (the handlers' share of the consumer's time is what the table above splits)."
    )
    redis.delete(STREAM)
    from portal.celery import app

    app.control.purge()  # the mail tasks the acceptances queued (no worker runs here)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--readers", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300, help="requests per page and run")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--repeats", type=int, default=3, help="loaded runs per page, interleaved; medians reported")
    parser.add_argument("--activities", type=int, default=2000, help="activities per awarding measurement")
    parser.add_argument("--consumers", type=int, default=2, help="consumer processes side by side (1: skip)")
    parser.add_argument("--only", choices=["reading", "awarding"], help="run one half")
    parser.add_argument("--consume", metavar="GO_KEY", help=argparse.SUPPRESS)  # a consumer process of (b)
    args = parser.parse_args()
    args.size_args = ["--members", str(args.members), "--entries", str(args.entries)]

    name = database_name(args.members, args.entries)
    configure(name)
    import django

    if args.consume:
        django.setup()
        consume_until_empty(args.consume)
        return

    from bench.stats import ensure_database

    ensure_database(PG, name)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    started = time.perf_counter()
    generate(members=args.members, entries=args.entries)
    from community.rewards.models import LeaderboardRow, PointsEntry
    from portal.accounts.models import User

    print(
        f"Database {name}: {User.objects.count():,} members, {PointsEntry.objects.count():,} ledger entries,"
        f" {LeaderboardRow.objects.count():,} leaderboard rows (ready in {time.perf_counter() - started:.0f} s)."
    )
    from community.rewards.leaderboards import leaderboards_refresh

    started = time.perf_counter()
    result = leaderboards_refresh()
    print(
        f"A leaderboard refresh (the beat task) takes {time.perf_counter() - started:.1f} s at this size"
        f" ({result.written:,} rows written)."
    )
    if args.only != "awarding":
        reading(args)
    if args.only != "reading":
        awarding(args)


if __name__ == "__main__":
    main()
