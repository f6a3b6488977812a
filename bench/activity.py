"""Benchmark what recording an activity adds to a request, and how fast the consumer stores.

Run: ``.venv/bin/python -m bench.activity`` (PostgreSQL and Redis up, as for `make test`).

A request that changes state is what its service does: one transaction that writes a row
(here a docs ``PageView``, as ``page_view_record`` does). In interleaved rounds:

- **baseline**: the transaction alone;
- **recording**: the same transaction ending with ``activity_record(...)`` (which appends
  to the Redis stream once the transaction commits);

and ``activity_record`` alone outside a transaction (one XADD). Prints p50/p95 of each,
what recording adds at p50 and p95 and the ratio against the baseline (target: under
1 ms added at p50). Then the consumer: activities stored per second by
``activity_events_flush``, with no handler and with one (each handler run is its own
transaction).

It uses its own database (``atrium_bench_activity``, created and migrated when missing)
and Redis database (``BENCH_REDIS_URL``, default db 8), and deletes only the activity
stream there.
"""

from __future__ import annotations

import argparse
import os
import time

from bench.stats import ensure_database, percentile

DB_NAME = "atrium_bench_activity"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")


def request_cost(*, rounds: int, per_round: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from community.activity.services import activity_record
    from portal.docs.models import PageView

    user, _ = get_user_model().objects.get_or_create(email="bench-activity@example.com")

    def baseline() -> None:
        with transaction.atomic():
            PageView.objects.create(page_slug="models", language="en", user=user)

    def recording() -> None:
        with transaction.atomic():
            view = PageView.objects.create(page_slug="models", language="en", user=user)
            activity_record(
                actor=user,
                verb="docs.page.viewed",
                target=("docs.page", "models"),
                properties={"slug": "models", "language": "en", "view": view.pk},
            )

    def record_alone() -> None:
        activity_record(actor=user, verb="account.logged_in")

    scenarios = {"baseline (transaction)": baseline, "recording (+ activity_record)": recording}
    scenarios["activity_record alone"] = record_alone
    timings: dict[str, list[float]] = {name: [] for name in scenarios}
    for func in scenarios.values():  # warm up connections and code paths
        for _ in range(50):
            func()
    for _round in range(rounds):
        for name, func in scenarios.items():
            for _ in range(per_round):
                started = time.perf_counter()
                func()
                timings[name].append((time.perf_counter() - started) * 1000)

    print(f"{rounds} interleaved rounds of {per_round} calls each\n")
    print(f"{'scenario':<34}{'p50 ms':>9}{'p95 ms':>9}")
    for name, values in timings.items():
        print(f"{name:<34}{percentile(values, 0.5):>9.3f}{percentile(values, 0.95):>9.3f}")
    base, rec = timings["baseline (transaction)"], timings["recording (+ activity_record)"]
    added_p50 = percentile(rec, 0.5) - percentile(base, 0.5)
    added_p95 = percentile(rec, 0.95) - percentile(base, 0.95)
    print(
        f"\nrecording adds {added_p50:.3f} ms at p50 ({percentile(rec, 0.5) / percentile(base, 0.5):.2f}x the "
        f"baseline) and {added_p95:.3f} ms at p95 ({percentile(rec, 0.95) / percentile(base, 0.95):.2f}x); "
        f"target < 1 ms at p50: {'met' if added_p50 < 1 else 'NOT met'}"
    )


def consumer_throughput(*, count: int) -> None:
    from django.contrib.auth import get_user_model

    from community.activity import handlers
    from community.activity.models import ActivityEvent, HandlerRun
    from community.activity.services import STREAM, activity_events_flush, activity_record
    from portal.redis_client import get_redis

    get_redis().delete(STREAM)  # what the request scenarios recorded
    user = get_user_model().objects.get(email="bench-activity@example.com")
    print()
    for label, with_handler in (("no handler", False), ("one handler", True)):
        if with_handler:
            handlers.register(verbs=["account.logged_in"], name="bench.noop", func=lambda activity: None)
        try:
            for _ in range(count):
                activity_record(actor=user, verb="account.logged_in")
            before = ActivityEvent.objects.count()
            started = time.perf_counter()
            stored = 0
            while stored < count:
                stored += activity_events_flush(batch_size=500)
            seconds = time.perf_counter() - started
        finally:
            handlers.unregister("bench.noop")
        assert ActivityEvent.objects.count() - before == count
        print(f"consumer, {label}: {count:,} activities stored in {seconds:.2f} s ({count / seconds:,.0f}/s)")
    HandlerRun.objects.all().delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=400)
    parser.add_argument("--consumer-count", type=int, default=5000)
    parser.add_argument("--repeats", type=int, help="same as --rounds (the option every benchmark takes)")
    args = parser.parse_args()
    ensure_database(PG, DB_NAME)

    import django

    django.setup()
    from django.core.management import call_command

    from community.activity.models import ActivityEvent
    from community.activity.services import STREAM
    from portal.docs.models import PageView
    from portal.redis_client import get_redis

    call_command("migrate", verbosity=0)
    get_redis().delete(STREAM)
    try:
        request_cost(rounds=args.repeats or args.rounds, per_round=args.per_round)
        consumer_throughput(count=args.consumer_count)
    finally:
        get_redis().delete(STREAM)
        ActivityEvent.objects.all().delete()
        PageView.objects.all().delete()


if __name__ == "__main__":
    main()
