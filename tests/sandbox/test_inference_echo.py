"""The dispatch contract end to end: a real worker serves the echo model over Redis streams."""

import pytest
from celery import current_app

from portal.redis_client import get_redis
from sandbox.inference import protocol
from sandbox.registry.models import HostedModel


@pytest.fixture
def echo_model(transactional_db):
    return HostedModel.objects.create(
        model_id="echo", backend=HostedModel.Backend.ECHO, context_length=64, max_output_tokens=64
    )


def run(model: str, **params) -> list[dict]:
    request_id = protocol.new_request_id()
    current_app.send_task(
        protocol.GENERATE_TASK, kwargs={"request_id": request_id, "model": model, **params},
        queue=protocol.INFERENCE_QUEUE,
    )
    return list(protocol.read_events(get_redis(), request_id, timeout=30))


def test_worker_streams_echo_tokens(celery_worker, echo_model):
    events = run("echo", messages=[{"role": "user", "content": "hello brave new world"}], max_tokens=3)
    assert events[0]["type"] == "accepted"
    text = "".join(e["text"] for e in events if e["type"] == "delta")
    assert text == "hello brave new"
    assert {"type": "finish", "index": 0, "finish_reason": "length"} in events
    assert events[-1] == {"type": "usage", "prompt_tokens": 4, "completion_tokens": 3}


def test_unknown_model_is_an_error_event(celery_worker, echo_model):
    events = run("no-such-model", prompt="hi")
    assert events[-1]["type"] == "error"
    assert events[-1]["status"] == 404
    assert events[-1]["code"] == "model_not_found"
