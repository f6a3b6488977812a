import pytest
from openai import OpenAI

from tests.apikeys.fixtures import *  # noqa: F403


@pytest.fixture
def client(asgi_server, celery_worker, secret, echo_model):
    """The official openai SDK pointed at our /v1, with a fresh key (no retries: we test single answers)."""
    return OpenAI(base_url=f"{asgi_server}/v1", api_key=secret, max_retries=0, timeout=30)


@pytest.fixture
def v1(asgi_server):
    return f"{asgi_server}/v1"
