"""Fixtures of the fine-tuning tests: a tiny random GPT-2 registered as a base model, API
keys with credits, an `openai` client on the real ASGI server, training workers."""

import tempfile
from decimal import Decimal

import pytest

from sandbox.finetuning import testing
from tests.factories import UserFactory
from tests.support.processes import start_celery_worker

# The tests' jobs go to a queue of their own, so that only the workers these tests start
# (and kill) train them, never the suite's shared worker that also consumes `training`.
TRAINING_QUEUE = "training-finetuning-test"

# Small enough to train in seconds on a shared CPU, big enough to checkpoint mid-job.
WORKER_ENV = {
    "FINETUNE_TRAINING_QUEUE": TRAINING_QUEUE,
    "FINETUNE_CHECKPOINT_EVERY_STEPS": "4",
    "FINETUNE_HEARTBEAT_SECONDS": "0.5",
    "FINETUNE_HEARTBEAT_STALE_SECONDS": "3",
    "OMP_NUM_THREADS": "1",
    # Checkpoints and adapters of test jobs go to a scratch store, not the shared var/models.
    "MODEL_STORE": tempfile.mkdtemp(prefix="atrium-ft-store-"),
}


@pytest.fixture(scope="session")
def tiny_lm_path(tmp_path_factory):
    return testing.build_tiny_lm(tmp_path_factory.mktemp("tiny-lm"), hidden=64, layers=2, heads=2, positions=256)


@pytest.fixture
def base_model(transactional_db, tiny_lm_path):
    from sandbox.registry.models import HostedModel

    return HostedModel.objects.create(
        model_id="tiny-gpt",
        display_name="Tiny GPT",
        backend=HostedModel.Backend.CAUSAL_LM,
        task=HostedModel.Task.CHAT,
        source=str(tiny_lm_path),
        context_length=256,
        max_output_tokens=32,
    )


def grant(user, amount="100"):
    from portal.billing.services import credits_grant

    credits_grant(user=user, amount=Decimal(amount), reason="test grant")


@pytest.fixture
def dev(transactional_db):
    user = UserFactory(email="dev-ft@example.com")
    grant(user)
    return user


@pytest.fixture
def other_dev(transactional_db):
    user = UserFactory(email="other-ft@example.com")
    grant(user)
    return user


def key_for(user, scopes=None) -> str:
    from portal.apikeys.services import api_key_create

    _key, secret = api_key_create(user=user, name="tests", scopes=scopes)
    return secret


@pytest.fixture
def client_for(ft_server):
    import openai

    def build(user, **kwargs):
        return openai.OpenAI(api_key=key_for(user), base_url=f"{ft_server}/v1", max_retries=0, **kwargs)

    return build


@pytest.fixture
def sdk(client_for, dev):
    return client_for(dev)


@pytest.fixture
def chat_jsonl(tmp_path):
    return testing.write_jsonl(tmp_path / "train.jsonl", testing.chat_dataset(24, seed=1, high=12))


@pytest.fixture
def training_worker(transactional_db):
    worker = start_celery_worker(queues=TRAINING_QUEUE, pool="solo", concurrency=1, name="ft", **WORKER_ENV)
    yield worker
    worker.stop()


SERVER_ENV = {
    "FINETUNE_MAX_FILE_BYTES": "200000",
    "FINETUNE_MIN_EXAMPLES": "10",
    "FINETUNE_TRAINING_QUEUE": TRAINING_QUEUE,
}


@pytest.fixture(autouse=True)
def _training_queue(settings):
    """Jobs created in this process (services, live_server) go to the tests' queue too."""
    settings.FINETUNE_TRAINING_QUEUE = TRAINING_QUEUE


@pytest.fixture(scope="session")
def ft_server(django_db_setup, django_db_blocker):
    """The site in its own uvicorn process, with small upload limits to test against."""
    from tests.support.processes import start_asgi_server

    server, url = start_asgi_server(**SERVER_ENV)
    yield url
    server.stop()
