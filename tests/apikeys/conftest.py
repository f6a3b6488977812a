from tests.apikeys.fixtures import *  # noqa: F403
