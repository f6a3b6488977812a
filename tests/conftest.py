"""Shared fixtures. Tests run on real PostgreSQL and Redis; task paths use a real
Celery worker process, and /v1 tests a real ASGI server process, both on the test
database (so such tests need `transactional_db`)."""

import pytest

from portal.redis_client import get_redis
from tests.factories import PASSWORD, UserFactory
from tests.support.processes import start_asgi_server, start_celery_worker


@pytest.fixture(scope="session", autouse=True)
def _clean_redis():
    """Each test session starts on an empty Redis database of its own, which nothing else
    uses: the queues live there too, and another process's worker would take this
    session's tasks and run them with its own code and state."""
    redis = get_redis()
    db = redis.connection_pool.connection_kwargs.get("db", 0)
    # Celery workers wait on their queues with BRPOP; this session has started none yet.
    consumers = [c for c in redis.client_list() if int(c["db"]) == db and c["cmd"] == "brpop"]
    if consumers:
        pytest.exit(
            f"Redis database {db} already has {len(consumers)} queue consumer(s) "
            f"({', '.join(sorted(c['addr'] for c in consumers))}): another test run, or workers left over "
            "from one. Stop them (pkill -f 'celery -A portal worker'), or give this run its own database "
            "with REDIS_URL.",
            returncode=3,
        )
    redis.flushdb()
    yield


@pytest.fixture(autouse=True)
def _empty_activity_stream():
    """Each test starts on an empty activity stream: what an earlier test recorded (its
    rows long gone) is never delivered into this one."""
    from community.activity.services import STREAM

    get_redis().delete(STREAM)
    yield


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory(email="ada@example.com")


@pytest.fixture
def other_user(db):
    return UserFactory(email="grace@example.com")


@pytest.fixture
def staff_user(db):
    return UserFactory(email="manager@example.com", is_staff=True)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process serving every queue, on the test database."""
    worker = start_celery_worker()
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker):
    """The site served by uvicorn in its own process; yields its base URL."""
    server, url = start_asgi_server()
    yield url
    server.stop()


@pytest.fixture
def minilm(transactional_db):
    """The embeddings model, registered as prepare_models does (weights from its package)."""
    from sandbox.registry.models import HostedModel

    return HostedModel.objects.create(
        model_id="all-minilm-l6-v2",
        source="atrium:all-minilm-l6-v2",
        task=HostedModel.Task.EMBEDDINGS,
        backend=HostedModel.Backend.SENTENCE_EMBEDDING,
        context_length=256,
        max_output_tokens=0,
    )
