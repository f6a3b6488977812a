"""Hostile input to /v1: whatever a client sends, the answer is a 4xx in OpenAI's error
shape naming what is wrong, never a 5xx (issue 12, items 4-9). Each test sends the raw
bytes a probe sent, to the real ASGI server and a real worker."""

import json

import httpx2 as httpx
import pytest

from sandbox.finetuning import testing
from sandbox.finetuning.models import FineTuningJob, TrainingFile
from tests.apikeys.fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db(transaction=True)

LONE_SURROGATE = "\ud800"  # json.dumps writes it as the escape sequence "\ud800", as the probe did
HELLO = [{"role": "user", "content": "hello brave new world"}]


@pytest.fixture
def v1(asgi_server):
    return f"{asgi_server}/v1"


def send(v1, secret, method, path, content: bytes | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {secret}", **kwargs.pop("headers", {})}
    if content is not None:
        headers.setdefault("Content-Type", "application/json")
    return httpx.request(method, f"{v1}{path}", headers=headers, content=content, timeout=30, **kwargs)


def post_json(v1, secret, path, body):
    return send(v1, secret, "POST", path, json.dumps(body).encode())


def assert_error(response, status, *, code=None, param=None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["message"] and error["type"] == "invalid_request_error"
    if code is not None:
        assert error["code"] == code, error
    if param is not None:
        assert error["param"] == param, error
    return error


# --- Item 4: lone surrogates ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        (
            "/chat/completions",
            {"model": "echo", "messages": [{"role": "user", "content": LONE_SURROGATE}]},
            "messages.0.content",
        ),
        (
            "/chat/completions",
            {"model": "echo", "messages": [{"role": "user", "content": [{"type": "text", "text": "a\ud800b"}]}]},
            "messages.0.content.0.text",
        ),
        (
            "/chat/completions",
            {"model": "echo", "messages": [*HELLO, {"role": "user", "content": "hi", "name": LONE_SURROGATE}]},
            "messages.1.name",
        ),
        ("/chat/completions", {"model": "echo", "messages": HELLO, "stop": ["ok", LONE_SURROGATE]}, "stop.1"),
        ("/chat/completions", {"model": "echo", "messages": HELLO, "stop": LONE_SURROGATE}, "stop"),
        ("/chat/completions", {"model": "\udfff", "messages": HELLO}, "model"),
        ("/completions", {"model": "echo", "prompt": "tell me " + LONE_SURROGATE}, "prompt"),
        ("/completions", {"model": "echo", "prompt": [LONE_SURROGATE]}, "prompt.0"),
        ("/embeddings", {"model": "all-minilm-l6-v2", "input": LONE_SURROGATE}, "input"),
        ("/embeddings", {"model": "all-minilm-l6-v2", "input": ["fine", LONE_SURROGATE]}, "input.1"),
        ("/fine_tuning/jobs", {"model": "echo", "training_file": "file-" + LONE_SURROGATE}, "training_file"),
        ("/fine_tuning/jobs", {"model": "echo", "training_file": "f", "suffix": LONE_SURROGATE}, "suffix"),
    ],
)
def test_a_lone_surrogate_is_400_naming_the_field(v1, secret, echo_model, celery_worker, path, body, param):
    """A string that is not Unicode text (an unpaired UTF-16 surrogate escape) is refused at
    once, before any model or database sees it."""
    error = assert_error(post_json(v1, secret, path, body), 400, code="invalid_value", param=param)
    assert "surrogate" in error["message"]


def test_a_paired_surrogate_escape_is_ordinary_text(v1, secret, echo_model, celery_worker):
    """ "\\ud83d\\ude00" is how JSON writes one emoji: it must still work."""
    response = post_json(
        v1, secret, "/chat/completions", {"model": "echo", "messages": [{"role": "user", "content": "hi \U0001f600"}]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == "hi \U0001f600"


def test_a_training_file_with_a_lone_surrogate_is_refused_naming_the_line(v1, secret, echo_model, tmp_path):
    rows = [json.dumps(row) for row in testing.chat_dataset(12)]
    rows[2] = json.dumps({"messages": [{"role": "user", "content": "x\ud800"}, {"role": "assistant", "content": "y"}]})
    response = send(
        v1,
        secret,
        "POST",
        "/files",
        files={"file": ("train.jsonl", ("\n".join(rows) + "\n").encode())},
        data={"purpose": "fine-tune"},
    )
    error = assert_error(response, 400, code="invalid_file", param="file")
    assert "line 3:" in error["message"] and "surrogate" in error["message"]
    assert not TrainingFile.objects.exists()


# --- Item 5: nesting deeper than the parser can follow --------------------------------------


@pytest.mark.parametrize("path", ["/chat/completions", "/completions", "/embeddings", "/fine_tuning/jobs"])
@pytest.mark.parametrize("shape", ["array", "object"])
def test_json_nested_100k_deep_is_400_invalid_json(v1, secret, path, shape):
    depth = 100_000
    content = b"[" * depth + b"]" * depth if shape == "array" else b'{"a":' * depth + b"1" + b"}" * depth
    error = assert_error(send(v1, secret, "POST", path, content), 400, code="invalid_json")
    assert "nested" in error["message"]


# --- Item 6: seeds ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [2**64, 2**63, -(2**63) - 1, 10**30])
@pytest.mark.parametrize("path", ["/chat/completions", "/completions"])
def test_a_seed_outside_64_bits_is_400_saying_the_range(v1, secret, echo_model, path, seed):
    prompt = {"messages": HELLO} if path == "/chat/completions" else {"prompt": "hello"}
    error = assert_error(
        post_json(v1, secret, path, {"model": "echo", **prompt, "seed": seed}), 400, code="invalid_value", param="seed"
    )
    assert str(-(2**63)) in error["message"] and str(2**63 - 1) in error["message"]


@pytest.fixture(scope="module")
def tiny_lm_path(tmp_path_factory):
    return testing.build_tiny_lm(tmp_path_factory.mktemp("tiny-lm"), hidden=32, layers=1, heads=2, positions=128)


@pytest.fixture
def tiny_model(transactional_db, tiny_lm_path):
    from sandbox.registry.models import HostedModel

    return HostedModel.objects.create(
        model_id="tiny-gpt",
        backend=HostedModel.Backend.CAUSAL_LM,
        task=HostedModel.Task.CHAT,
        source=str(tiny_lm_path),
        context_length=128,
        max_output_tokens=8,
    )


@pytest.mark.parametrize("seed", [-(2**63), -1, 0, 2**63 - 1])
def test_every_64_bit_seed_reaches_a_real_model(v1, secret, tiny_model, celery_worker, seed):
    """The accepted range is what torch's generators take (n > 1 adds the choice index)."""
    body = {"model": "tiny-gpt", "prompt": "the model", "seed": seed, "max_tokens": 3, "n": 2, "temperature": 1}
    response = post_json(v1, secret, "/completions", body)
    assert response.status_code == 200, response.text
    again = post_json(v1, secret, "/completions", body)
    assert [c["text"] for c in again.json()["choices"]] == [c["text"] for c in response.json()["choices"]]


# --- Item 7: bodies over the limit -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/chat/completions", lambda text: {"model": "echo", "messages": [{"role": "user", "content": text}]}),
        ("/completions", lambda text: {"model": "echo", "prompt": text}),
        ("/embeddings", lambda text: {"model": "all-minilm-l6-v2", "input": text}),
        ("/fine_tuning/jobs", lambda text: {"model": "echo", "training_file": text}),
    ],
)
def test_a_json_body_over_the_limit_is_413_saying_the_limit(v1, secret, echo_model, settings, path, body):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = post_json(v1, secret, path, body("word " * (limit // 5 + 10)))
    error = assert_error(response, 413, code="request_too_large")
    assert f"{limit:,} bytes" in error["message"]


def test_uploads_keep_their_own_larger_limit(v1, secret, echo_model, settings):
    """/v1/files is multipart and limited by FINETUNE_MAX_FILE_BYTES, not the JSON limit."""
    row = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    line = (json.dumps(row) + "\n").encode()
    content = line * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // len(line) + 100)
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < len(content) < settings.FINETUNE_MAX_FILE_BYTES
    response = send(v1, secret, "POST", "/files", files={"file": ("big.jsonl", content)}, data={"purpose": "fine-tune"})
    assert response.status_code == 200, response.text
    assert response.json()["bytes"] == len(content)


# --- Item 8: nested shapes of a fine-tuning job ----------------------------------------------


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"method": {"type": "supervised", "supervised": "x"}}, "method.supervised"),
        ({"method": {"type": "supervised", "supervised": []}}, "method.supervised"),
        (
            {"method": {"type": "supervised", "supervised": {"hyperparameters": "x"}}},
            "method.supervised.hyperparameters",
        ),
        (
            {"method": {"type": "supervised", "supervised": {"hyperparameters": [1]}}},
            "method.supervised.hyperparameters",
        ),
        (
            {"method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": [1]}}}},
            "method.supervised.hyperparameters.n_epochs",
        ),
        ({"method": "x"}, "method"),
        ({"method": []}, "method"),
        ({"method": {"type": 5}}, "method.type"),
        ({"method": {"type": "dpo"}}, "method.type"),
        ({"method": {"type": ["supervised"]}}, "method.type"),
        ({"hyperparameters": "x"}, "hyperparameters"),
        ({"hyperparameters": []}, "hyperparameters"),
        ({"hyperparameters": {"n_epochs": {"a": 1}}}, "hyperparameters.n_epochs"),
        ({"hyperparameters": {"batch_size": True}}, "hyperparameters.batch_size"),
        ({"hyperparameters": {"learning_rate_multiplier": "1e999"}}, "hyperparameters.learning_rate_multiplier"),
        ({"hyperparameters": {"learning_rate_multiplier": "nan"}}, "hyperparameters.learning_rate_multiplier"),
        ({"hyperparameters": {"n_epochs": 10**400}}, "hyperparameters.n_epochs"),
        ({"hyperparameters": {"warmup": 1}}, "hyperparameters.warmup"),
        ({"seed": 2**31}, "seed"),
        ({"suffix": 5}, "suffix"),
        ({"validation_file": ["f"]}, "validation_file"),
        ({"model": {"id": "x"}}, "model"),
        ({"model": ""}, "model"),
    ],
)
def test_job_create_with_a_wrong_shape_is_400_naming_the_field(v1, secret, extra, param):
    body = {"model": "no-such-model", "training_file": "file-nope", **extra}
    assert_error(post_json(v1, secret, "/fine_tuning/jobs", body), 400, param=param)
    assert not FineTuningJob.objects.exists()


@pytest.mark.parametrize(
    "extra", [{"integrations": "x"}, {"integrations": [1, None]}, {"metadata": "x"}, {"metadata": {"a": {"b": 1}}}]
)
def test_job_create_ignores_fields_atrium_does_not_use(v1, secret, extra):
    """OpenAI's clients send integrations and metadata; Atrium neither stores nor reads them."""
    body = {"model": "no-such-model", "training_file": "file-nope", **extra}
    assert_error(post_json(v1, secret, "/fine_tuning/jobs", body), 404, code="model_not_found", param="model")


@pytest.mark.parametrize("body", [[], "x", None, 5, [{"model": "x"}]])
@pytest.mark.parametrize("path", ["/chat/completions", "/completions", "/embeddings", "/fine_tuning/jobs"])
def test_a_body_that_is_not_an_object_is_400(v1, secret, path, body):
    assert_error(post_json(v1, secret, path, body), 400)


# --- Item 9: the schema and the server agree -------------------------------------------------


@pytest.fixture
def schema(client):
    return client.get("/api/schema/?format=json").json()


LIST_OPERATIONS = [
    ("/v1/files", "/files"),
    ("/v1/fine_tuning/jobs", "/fine_tuning/jobs"),
    ("/v1/fine_tuning/jobs/{job_id}/events", "/fine_tuning/jobs/ftjob-nope/events"),
    ("/v1/fine_tuning/jobs/{job_id}/checkpoints", "/fine_tuning/jobs/ftjob-nope/checkpoints"),
]


def test_the_schema_says_what_the_server_refuses(schema):
    for documented, _path in LIST_OPERATIONS:
        (limit,) = [p for p in schema["paths"][documented]["get"]["parameters"] if p["name"] == "limit"]
        assert limit["schema"]["minimum"] == 1 and limit["schema"]["maximum"] == 10_000, documented
    components = schema["components"]["schemas"]
    for name in ("ChatCompletionRequest", "CompletionRequest", "EmbeddingRequest", "JobListCreateInput"):
        assert components[name]["properties"]["model"]["minLength"] == 1, name
    assert components["JobListCreateInput"]["properties"]["training_file"]["minLength"] == 1
    assert components["ChatCompletionRequest"]["properties"]["messages"]["minItems"] == 1
    seed = components["ChatCompletionRequest"]["properties"]["seed"]
    assert (seed["minimum"], seed["maximum"]) == (-(2**63), 2**63 - 1)


@pytest.mark.parametrize("value", ["", "0", "-1", "10001", "x", "1.5"])
@pytest.mark.parametrize(("documented", "path"), LIST_OPERATIONS)
def test_a_limit_outside_the_schema_is_400(v1, secret, documented, path, value):
    assert_error(send(v1, secret, "GET", path, params={"limit": value}), 400, code="invalid_value", param="limit")


@pytest.mark.parametrize("path", ["/chat/completions", "/completions", "/embeddings"])
def test_an_empty_model_is_400(v1, secret, path):
    body = {"model": "", "messages": HELLO, "prompt": "hi", "input": "hi"}
    assert_error(post_json(v1, secret, path, body), 400, code="invalid_value", param="model")


# --- Found by the schemathesis run (test_v1_schemathesis.py) ---------------------------------


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/", "unknown_url"),
        ("GET", "/models/a%0Ab", "model_not_found"),  # Django's `path` converter stops at a newline
        ("GET", "/no/such%0Athing", "unknown_url"),
        ("GET", "/models/a%00b", "model_not_found"),  # PostgreSQL refuses NUL in a query
        ("GET", "/files/a%00b", "not_found"),
        ("DELETE", "/files/a%00b", "not_found"),
        ("GET", "/fine_tuning/jobs/a%00b/events", "not_found"),
        ("POST", "/fine_tuning/jobs/a%00b/cancel", "not_found"),
    ],
)
def test_every_url_under_v1_answers_an_openai_404(v1, secret, method, path, code):
    assert_error(send(v1, secret, method, path), 404, code=code)


def test_the_schema_documents_each_server_sent_event(v1, secret, schema, echo_model, celery_worker):
    """OpenAPI 3.0 has a text/event-stream schema describe one event: an object with `data`."""
    event = schema["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]["text/event-stream"]
    assert event["schema"]["type"] == "object" and event["schema"]["required"] == ["data"]
    body = {"model": "echo", "messages": HELLO, "stream": True}
    lines = post_json(v1, secret, "/chat/completions", body).text.strip().split("\n\n")
    assert all(line.startswith("data: ") for line in lines) and lines[-1] == "data: [DONE]"
