import pytest

from tests.apikeys.fixtures import *  # noqa: F403


@pytest.fixture
def v1(asgi_server):
    """The /v1 base URL of the site served by uvicorn in its own process."""
    return f"{asgi_server}/v1"
