"""Shared fixtures. Tests run on real PostgreSQL and Redis; task paths use a real
Celery worker process, and /v1 tests a real ASGI server process, both on the test
database (so such tests need `transactional_db`)."""

import pytest
from django.contrib.auth import get_user_model

from portal.redis_client import get_redis
from tests.support.processes import start_asgi_server, start_celery_worker

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session", autouse=True)
def _clean_redis():
    """Each test session starts on an empty Redis database of its own."""
    get_redis().flushdb()
    yield


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def password():
    return PASSWORD


def make_user(email: str, *, verified: bool = True, **extra):
    from allauth.account.models import EmailAddress

    user = get_user_model().objects.create_user(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


@pytest.fixture
def user(db):
    return make_user("ada@example.com")


@pytest.fixture
def other_user(db):
    return make_user("grace@example.com")


@pytest.fixture
def staff_user(db):
    return make_user("manager@example.com", is_staff=True)


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
