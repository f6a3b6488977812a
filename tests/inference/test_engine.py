"""The inference engine against a real worker process: real models, real Redis streams."""

from __future__ import annotations

import math
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.redis_client import get_redis
from sandbox.inference import protocol
from sandbox.inference.defaults import SMOLLM2_ID
from sandbox.registry.models import HostedModel
from tests.factories import UserFactory

from .conftest import (
    SINGLE_SLOT_QUEUE,
    copy_broken,
    events_of,
    finish_of,
    generate,
    make_lora_adapter,
    send,
    text_of,
)

pytestmark = pytest.mark.usefixtures("inference_worker")

PROMPTS = [
    "One summer day,",
    "Anna was a baker who",
    "In the evening, the clouds moved slowly over the hills. Tom",
    "The sea",
    "Leo gave Ruth a letter from a friend, and",
    "Before sunrise,",
]


@pytest.fixture
def defaults(transactional_db, gpt_mini_path):
    """The default models as `make run` registers them, and the tiny atrium-gpt-mini
    (fast, for the tests that only need some model)."""
    call_command("prepare_models")  # converts SmolLM2 once per MODEL_STORE
    HostedModel.objects.filter(model_id="atrium-gpt-mini").delete()
    HostedModel.objects.create(
        model_id="atrium-gpt-mini", source=str(gpt_mini_path), context_length=256, max_output_tokens=200
    )
    return HostedModel.objects.get(model_id=SMOLLM2_ID)


@pytest.fixture
def tiny(transactional_db, tiny_model_dir):
    return HostedModel.objects.create(
        model_id="tiny-gpt2", source=str(tiny_model_dir), context_length=512, max_output_tokens=300
    )


def test_default_chat_model_answers_a_plain_question_on_topic_offline(defaults):
    """smollm2-135m-instruct (converted from the wheel's GGUF file) answers sensibly, offline."""
    question = "What is an API key and why should I keep it secret?"
    chat = generate(SMOLLM2_ID, messages=[{"role": "user", "content": question}], max_tokens=60, temperature=0)
    assert chat[0]["type"] == "accepted"
    assert chat[-1]["type"] == "usage" and chat[-1]["completion_tokens"] > 10, chat[-1]
    answer = text_of(chat).lower()
    assert "api key" in answer and any(word in answer for word in ("secure", "secret", "access", "authent")), answer


def test_default_embeddings_are_normalized_mean_pooled_vectors(defaults):
    """all-minilm-l6-v2 from the bundled weights: 384-d unit vectors; related sentences lie closer."""
    inputs = ["How do I bake bread?", "A recipe for baking a loaf of bread", "The stock market fell today"]
    events = events_of(send(protocol.EMBED_TASK, model="all-minilm-l6-v2", inputs=inputs))
    assert events[-1]["type"] == "usage", events[-1]
    vectors = next(e["data"] for e in events if e["type"] == "embeddings")
    assert len(vectors) == 3 and all(len(v) == 384 for v in vectors)
    assert all(math.isclose(math.fsum(x * x for x in v), 1.0, rel_tol=1e-4) for v in vectors)

    def cos(a, b):
        return math.fsum(x * y for x, y in zip(a, b, strict=True))

    assert cos(vectors[0], vectors[1]) > cos(vectors[0], vectors[2]) + 0.2


def test_concurrent_embedding_requests_get_their_own_vectors(defaults):
    """Requests embedded together in one batch get the same vectors as alone, in their own order."""
    texts = [["the harbour at night"], ["bread and honey", "a cup of tea"], ["a small boat"], ["snow"]]

    def vectors(events):
        assert events[-1]["type"] == "usage", events[-1]
        return next(e["data"] for e in events if e["type"] == "embeddings")

    alone = [vectors(events_of(send(protocol.EMBED_TASK, model="all-minilm-l6-v2", inputs=t))) for t in texts]
    ids = [send(protocol.EMBED_TASK, model="all-minilm-l6-v2", inputs=t) for t in texts]
    together = [vectors(events_of(r)) for r in ids]
    for one, other in zip(alone, together, strict=True):
        assert len(one) == len(other)
        for a, b in zip(one, other, strict=True):
            assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 1e-4


def test_local_hf_model_serves_with_its_chat_template(tiny, tiny_model_dir):
    """A registered HF-format directory serves chat through its own chat template."""
    from transformers import AutoTokenizer

    messages = [{"role": "user", "content": "hello there"}]
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    templated = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert "You are the tiny test model" in templated
    expected_prompt_tokens = len(tokenizer(templated, add_special_tokens=False)["input_ids"])

    events = generate("tiny-gpt2", messages=messages, max_tokens=5, temperature=0)
    assert events[-1] == {"type": "usage", "prompt_tokens": expected_prompt_tokens, "completion_tokens": 5}
    assert finish_of(events) == "length"


def test_greedy_output_is_the_same_alone_and_inside_a_batch(defaults):
    """Continuous batching does not change what a request generates (greedy decoding)."""
    alone = [
        text_of(generate("atrium-gpt-mini", prompt=p, max_tokens=12 + 4 * i, temperature=0))
        for i, p in enumerate(PROMPTS)
    ]
    # All at once, staggered so that some join a batch already decoding.
    ids = []
    for i, p in enumerate(PROMPTS * 2):
        ids.append(
            send(protocol.GENERATE_TASK, model="atrium-gpt-mini", prompt=p, max_tokens=12 + 4 * (i % 6), temperature=0)
        )
        time.sleep(0.02 * (i % 3))
    batched = [text_of(events_of(r)) for r in ids]
    assert batched == alone * 2
    assert all(alone)


def test_seeded_sampling_is_reproducible_and_n_gives_distinct_choices(defaults):
    """temperature/top_p/seed are per request: the same seed gives the same text; choices differ."""
    params = dict(prompt="One summer day,", max_tokens=16, temperature=1.0, top_p=0.9, seed=7, n=2)
    first, second = generate("atrium-gpt-mini", **params), generate("atrium-gpt-mini", **params)
    assert text_of(first, 0) == text_of(second, 0) and text_of(first, 1) == text_of(second, 1)
    assert text_of(first, 0) != text_of(first, 1)


def test_stop_sequences_and_max_tokens_are_honoured(tiny):
    """Text stops before the first stop string (finish_reason stop); max_tokens ends with length."""
    full = generate("tiny-gpt2", prompt="hello", max_tokens=20, temperature=0)
    assert finish_of(full) == "length" and full[-1]["completion_tokens"] == 20
    text = text_of(full)
    stop = text[len(text) // 2 : len(text) // 2 + 3]
    assert stop.strip(), text
    stopped = generate("tiny-gpt2", prompt="hello", max_tokens=20, temperature=0, stop=[stop, "never-there"])
    assert text_of(stopped) == text[: text.index(stop)]
    assert finish_of(stopped) == "stop"
    assert stopped[-1]["completion_tokens"] < 20


def test_limits_give_openai_errors(tiny):
    """Too long a prompt, or max_tokens beyond the model's limit, are 400s that state the limits."""
    long = generate("tiny-gpt2", prompt="hello " * 600, max_tokens=5)
    assert long[-1]["status"] == 400 and long[-1]["code"] == "context_length_exceeded"
    assert "maximum context length is 512 tokens" in long[-1]["message"]
    too_many = generate("tiny-gpt2", prompt="hello", max_tokens=301)
    assert too_many[-1]["status"] == 400 and too_many[-1]["param"] == "max_tokens"
    assert "at most 300 completion tokens" in too_many[-1]["message"]


def test_cancelled_request_frees_its_slot(tiny, single_slot_worker):
    """With one decode slot, a second request is served only because the cancelled one left."""
    redis = get_redis()
    # As long as the tiny model's context allows (512): on a busy host it must still be
    # generating when the cancel lands, or the test would prove nothing.
    long_id = send(
        protocol.GENERATE_TASK,
        model="tiny-gpt2",
        queue=SINGLE_SLOT_QUEUE,
        prompt="hello",
        max_tokens=500,
        temperature=0,
    )
    for event in protocol.read_events(redis, long_id, timeout=60):
        if event["type"] == "delta":
            break
    protocol.request_cancel(redis, long_id)
    short = events_of(
        send(
            protocol.GENERATE_TASK, model="tiny-gpt2", queue=SINGLE_SLOT_QUEUE, prompt="hi", max_tokens=3, temperature=0
        ),
        timeout=60,
    )
    assert short[-1]["type"] == "usage"
    time.sleep(0.5)
    raw = redis.xrange(protocol.stream_key(long_id))
    long_events = [protocol._decode(fields) for _id, fields in raw]
    assert not any(e["type"] in {"finish", "usage"} for e in long_events)
    assert sum(1 for e in long_events if e["type"] == "delta") < 500


def test_adapter_changes_only_the_requests_that_name_it(tiny, tiny_model_dir, tmp_path):
    """Two LoRA adapters and the base serve in one batch; each request gets its own weights."""
    owner = UserFactory(email="finetuner@example.com")
    for name, seed in (("a", 1), ("b", 2)):
        HostedModel.objects.create(
            model_id=f"ft:tiny-gpt2:{name}",
            owner=owner,
            base_model=tiny,
            backend=tiny.backend,
            adapter_path=str(make_lora_adapter(tiny_model_dir, tmp_path / name, seed=seed)),
            context_length=512,
            max_output_tokens=300,
        )
    params = dict(prompt="hello there", max_tokens=8, temperature=0)
    base_alone = text_of(generate("tiny-gpt2", **params))
    ids = {
        m: send(protocol.GENERATE_TASK, model=m, **params)
        for m in ("tiny-gpt2", "ft:tiny-gpt2:a", "ft:tiny-gpt2:b", "tiny-gpt2")
    }
    texts = {m: text_of(events_of(r)) for m, r in ids.items()}
    assert texts["tiny-gpt2"] == base_alone
    assert texts["ft:tiny-gpt2:a"] != base_alone and texts["ft:tiny-gpt2:b"] != base_alone
    assert texts["ft:tiny-gpt2:a"] != texts["ft:tiny-gpt2:b"]
    assert text_of(generate("ft:tiny-gpt2:a", **params)) == texts["ft:tiny-gpt2:a"]


def test_model_that_fails_to_load_is_a_clear_503(transactional_db, tiny_model_dir, tmp_path):
    """Missing weights, broken weights and uncached hub repos answer 503 model_unavailable saying why."""
    HostedModel.objects.create(model_id="missing", source=str(tmp_path / "nowhere"))
    HostedModel.objects.create(model_id="broken", source=str(copy_broken(tiny_model_dir, tmp_path / "broken")))
    HostedModel.objects.create(model_id="uncached", source="atrium-test/not-in-any-cache")
    for model_id, needle in (
        ("missing", "does not exist"),
        ("broken", "failed to load"),
        ("uncached", "HF_HUB_OFFLINE"),
    ):
        for _attempt in range(2):  # the second answer comes from the remembered failure
            events = generate(model_id, prompt="hello", max_tokens=3)
            assert events[-1]["type"] == "error", events
            assert events[-1]["status"] == 503 and events[-1]["code"] == "model_unavailable"
            assert needle in events[-1]["message"]


def test_worker_health_is_exported(tiny, client):
    """Per model: state, memory, batch size, queue depth, tokens/s; failures with their reason."""
    from sandbox.inference.health import inference_summary, worker_snapshots

    generate("tiny-gpt2", prompt="hello", max_tokens=3)
    deadline = time.monotonic() + 30
    while not (entries := [s["models"]["tiny-gpt2"] for s in worker_snapshots() if "tiny-gpt2" in s["models"]]):
        assert time.monotonic() < deadline, "no worker exported its health"
        time.sleep(0.1)
    assert entries and entries[0]["state"] == "ready" and entries[0]["memory_bytes"] > 0
    assert {"batch_size", "queue_depth", "tokens_per_s", "loop"} <= set(entries[0])
    # Where the loop's time went: the request's prefill is counted (by a snapshot exported
    # after it; one is exported every few seconds).
    while not (
        loops := [s["models"]["tiny-gpt2"]["loop"] for s in worker_snapshots() if "tiny-gpt2" in s["models"]]
    ) or (loops[0]["prefills"] < 1):
        assert time.monotonic() < deadline + 30, f"no worker exported its loop's prefill: {loops}"
        time.sleep(0.1)
    assert loops[0]["prefilled_rows"] >= 1 and loops[0]["prefill_seconds"] > 0
    assert {"steps", "step_rows", "step_seconds"} <= set(loops[0])
    assert inference_summary()["models"]["tiny-gpt2"]["ready_workers"] >= 1
    readyz = client.get(reverse("readyz")).json()
    assert readyz["inference"]["workers"] >= 1 and "tiny-gpt2" in readyz["inference"]["models"]
