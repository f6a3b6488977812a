from functools import partial

import pytest
from django.db import connection

from community.activity import handlers
from community.activity.services import STREAM
from portal.redis_client import get_redis
from tests.activity import handlers_for_tests
from tests.activity.handlers_for_tests import EFFECT_TABLE


@pytest.fixture(autouse=True)
def empty_stream():
    """Each test starts on an empty activity stream (and consumer group), whatever ran before."""
    redis = get_redis()
    redis.delete(
        STREAM,
        handlers_for_tests.BLOCK_KEY,
        handlers_for_tests.ENTERED_KEY,
        handlers_for_tests.RELEASE_KEY,
        handlers_for_tests.FLAKY_FAILURES_KEY,
    )
    yield
    redis.delete(STREAM)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """For tests inside a transaction (``db``): ``with committed(): ...`` runs the block's
    on-commit callbacks as it ends, as a real commit would (``transaction=True`` tests,
    which commit for real, cost a database flush each)."""
    return partial(django_capture_on_commit_callbacks, execute=True)


@pytest.fixture
def effects(db):
    """Returns a function listing the committed handler effects as (activity id, handler) rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {EFFECT_TABLE} (activity_id uuid NOT NULL, handler text NOT NULL)")
        cursor.execute(f"TRUNCATE {EFFECT_TABLE}")

    def rows() -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT activity_id::text, handler FROM {EFFECT_TABLE} ORDER BY activity_id, handler")
            return [tuple(row) for row in cursor.fetchall()]

    yield rows
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {EFFECT_TABLE}")


@pytest.fixture
def test_handlers(effects):
    """The test-only handlers, registered in this process for the test's duration."""
    names = handlers_for_tests.register_all()
    yield names
    for name in names:
        handlers.unregister(name)


@pytest.fixture
def manager(db):
    """A community manager: staff who view every model in the admin."""
    from portal.accounts.roles import Role
    from portal.accounts.services import user_set_role
    from tests.factories import UserFactory

    return user_set_role(user=UserFactory(email="cm@example.com"), role=Role.COMMUNITY_MANAGER)
