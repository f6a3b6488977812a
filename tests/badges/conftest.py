"""Badge fixtures: the forum's members and categories, and deliveries as the stream makes them."""

import pytest
from django.db import connection

from community.activity.services import STREAM, activity_events_flush
from portal.redis_client import get_redis
from tests.forums.conftest import (  # noqa: F401 (shared forum fixtures)
    _forum_settings,
    answer,
    answerer,
    asker,
    categories,
    moderator,
    qa,
    question,
    staff,
    third,
)


def run_on_commit() -> None:
    """Run the pending on-commit callbacks, as the test's transaction would if it committed."""
    while connection.run_on_commit:
        callbacks = list(connection.run_on_commit)
        connection.run_on_commit.clear()
        for _savepoints, func, _robust in callbacks:
            func()


def deliver(*, times: int = 1) -> int:
    """Deliver what was recorded, each activity ``times`` times over (at-least-once delivery:
    the stream carries every entry ``times`` times), run the handlers, then what their
    commit would run (notification emails)."""
    run_on_commit()
    redis = get_redis()
    entries = redis.xrange(STREAM)
    for _ in range(times - 1):
        for _entry_id, fields in entries:
            redis.xadd(STREAM, fields)
    stored = activity_events_flush()
    run_on_commit()
    return stored


@pytest.fixture
def eager_tasks():
    """Celery tasks run in this process when queued (mail lands in the locmem outbox)."""
    from portal.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def manager(db):
    """A community manager (staff, the role's permissions)."""
    from portal.accounts.roles import Role
    from portal.accounts.services import user_set_role
    from tests.forums.conftest import make_member

    return user_set_role(user=make_member("cm@example.org", handle="cm"), role=Role.COMMUNITY_MANAGER)
