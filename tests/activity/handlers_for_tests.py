"""Test-only activity handlers, registered in the test process (fixture) and in the
worker that tests/activity/worker_app.py starts.

Their effect is a row in ``activity_test_effect`` (a plain table the ``effects`` fixture
creates, without a unique constraint), so a handler that ran twice shows as two rows.
"""

import os

from django.db import connection

from community.activity.verbs import VERBS
from portal.redis_client import get_redis

# A verb of the tests' own, so that no handler of the product (notifications, rewards)
# runs beside the test handlers; registered in every process that imports this module.
VERB = "tests.something.happened"
VERBS.setdefault(VERB, "Test-only: the activity tests record it; only their handlers react.")
# While BLOCK_KEY is set, the second handler announces itself on ENTERED_KEY and waits for
# RELEASE_KEY, with its effect written and not committed: a test kills its process there.
BLOCK_KEY = "activity-test:block"
ENTERED_KEY = "activity-test:entered"
RELEASE_KEY = "activity-test:release"
# The flaky handler fails while this counter is above zero.
FLAKY_FAILURES_KEY = "activity-test:flaky-failures"
EFFECT_TABLE = "activity_test_effect"


def _effect(activity, handler: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {EFFECT_TABLE} (activity_id, handler) VALUES (%s, %s)", [activity.pk, handler])


def first(activity) -> None:
    _effect(activity, "tests.first")


def second(activity) -> None:
    _effect(activity, "tests.second")
    redis = get_redis()
    if redis.get(BLOCK_KEY):
        redis.rpush(ENTERED_KEY, os.getpid())
        redis.blpop([RELEASE_KEY], timeout=120)


def flaky(activity) -> None:
    if get_redis().decr(FLAKY_FAILURES_KEY) >= 0:
        raise RuntimeError("flaky handler: failing on purpose")
    _effect(activity, "tests.flaky")


def always_fails(activity) -> None:
    raise RuntimeError("this handler always fails")


def register_all() -> list[str]:
    """Register the handlers every activity test may rely on; returns their names."""
    from community.activity.handlers import register

    register(verbs=[VERB], name="tests.first", func=first)
    register(verbs=[VERB], name="tests.second", func=second)
    register(verbs=[VERB], name="tests.flaky", func=flaky)
    return ["tests.first", "tests.second", "tests.flaky"]
