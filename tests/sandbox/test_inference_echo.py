"""The dispatch contract end to end: a real worker serves the echo model over Redis streams."""

import pytest
from celery import current_app

from portal.redis_client import get_redis
from sandbox.inference import protocol
from sandbox.inference.tasks import generate
from sandbox.registry.models import HostedModel


@pytest.fixture
def echo_model(transactional_db):
    return HostedModel.objects.create(
        model_id="echo", backend=HostedModel.Backend.ECHO, context_length=64, max_output_tokens=64
    )


def run(model: str, **params) -> list[dict]:
    request_id = protocol.new_request_id()
    current_app.send_task(
        protocol.GENERATE_TASK,
        kwargs={"request_id": request_id, "model": model, **params},
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


def test_redelivered_request_is_not_answered_twice(celery_worker, echo_model):
    """After a worker crash the broker redelivers; a request already streaming ends with 503 worker_lost."""
    redis = get_redis()
    partial, finished = protocol.new_request_id(), protocol.new_request_id()
    for request_id, events in (
        (partial, [{"type": "accepted", "worker": "gone"}, {"type": "delta", "index": 0, "text": "hello"}]),
        (
            finished,
            [{"type": "accepted", "worker": "gone"}, {"type": "usage", "prompt_tokens": 1, "completion_tokens": 1}],
        ),
    ):
        publisher = protocol.EventPublisher(redis, request_id)
        for event in events:
            publisher.publish(event)
    current_app.send_task(
        protocol.GENERATE_TASK,
        kwargs={"request_id": partial, "model": "echo", "prompt": "hello"},
        queue=protocol.INFERENCE_QUEUE,
    )
    events = list(protocol.read_events(redis, partial, timeout=30))
    assert events[-1]["type"] == "error" and events[-1]["status"] == 503 and events[-1]["code"] == "worker_lost"
    assert [e["type"] for e in events].count("delta") == 1
    # An answered request redelivered is dropped (run in process: which worker takes it is not ours to choose).
    generate.run(request_id=finished, model="echo", prompt="hello")
    assert len(redis.xrange(protocol.stream_key(finished))) == 2
