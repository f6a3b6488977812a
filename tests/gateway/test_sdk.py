"""The official openai SDK (and huggingface_hub) against the real ASGI server and worker."""

import base64
import struct

import httpx2 as httpx
import pytest

pytestmark = pytest.mark.django_db(transaction=True)

HELLO = [{"role": "user", "content": "hello brave new world"}]


def test_models_list_and_retrieve(client, echo_model):
    ids = [m.id for m in client.models.list()]
    assert "echo" in ids
    model = client.models.retrieve("echo")
    assert model.id == "echo" and model.object == "model" and model.owned_by == "atrium"


def test_private_fine_tuned_models_are_visible_only_to_their_owner(client, echo_model, other_user):
    from sandbox.registry.models import HostedModel

    HostedModel.objects.create(model_id="ft:echo:grace:1", backend="echo", owner=other_user)
    assert "ft:echo:grace:1" not in [m.id for m in client.models.list()]
    with pytest.raises(Exception) as info:
        client.models.retrieve("ft:echo:grace:1")
    assert info.value.status_code == 404


def test_chat_completion_with_parameters_and_usage(client):
    raw = client.chat.completions.with_raw_response.create(
        model="echo", messages=HELLO, max_tokens=3, temperature=0.2, top_p=0.9, seed=7, n=2
    )
    completion = raw.parse()
    assert [c.message.content for c in completion.choices] == ["hello brave new", "hello brave new"]
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage.prompt_tokens == 4 and completion.usage.completion_tokens == 6
    assert completion.usage.total_tokens == 10
    assert completion.id.startswith("chatcmpl-")
    for kind in ("requests", "tokens"):
        for name in ("limit", "remaining", "reset"):
            assert raw.headers[f"x-ratelimit-{name}-{kind}"]


def test_chat_completion_stop(client):
    completion = client.chat.completions.create(model="echo", messages=HELLO, stop=["new"])
    assert completion.choices[0].message.content == "hello brave "
    assert completion.choices[0].finish_reason == "stop"


def test_chat_streaming(client):
    stream = client.chat.completions.create(
        model="echo", messages=HELLO, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "hello brave new world"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage.prompt_tokens == 4 and chunks[-1].usage.completion_tokens == 4


def test_stream_is_server_sent_events_ending_in_done(v1, secret, echo_model, celery_worker):
    with httpx.stream(
        "POST",
        f"{v1}/chat/completions",
        headers={"Authorization": f"Bearer {secret}"},
        json={"model": "echo", "messages": HELLO, "stream": True},
        timeout=30,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-ratelimit-remaining-requests"]
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"


def test_text_completions_plain_and_streamed(client):
    completion = client.completions.create(model="echo", prompt="one two three", max_tokens=2)
    assert completion.choices[0].text == "one two" and completion.object == "text_completion"
    assert completion.usage.completion_tokens == 2
    streamed = "".join(
        c.choices[0].text
        for c in client.completions.create(model="echo", prompt="one two three", stream=True)
        if c.choices
    )
    assert streamed == "one two three"


def test_embeddings_string_and_list(client, minilm, v1, secret):
    one = client.embeddings.create(model="all-minilm-l6-v2", input="hello world")  # the SDK asks for base64
    assert len(one.data) == 1 and len(one.data[0].embedding) == 384
    many = client.embeddings.create(
        model="all-minilm-l6-v2", input=["hello world", "good night"], encoding_format="float"
    )
    assert [d.index for d in many.data] == [0, 1]
    assert many.data[0].embedding == pytest.approx(one.data[0].embedding, abs=1e-5)
    assert many.usage.prompt_tokens > 0 and many.usage.total_tokens == many.usage.prompt_tokens
    raw = httpx.post(
        f"{v1}/embeddings",
        headers={"Authorization": f"Bearer {secret}"},
        timeout=60,
        json={"model": "all-minilm-l6-v2", "input": "hello world", "encoding_format": "base64"},
    ).json()
    decoded = struct.unpack("<384f", base64.b64decode(raw["data"][0]["embedding"]))
    assert list(decoded) == pytest.approx(one.data[0].embedding, abs=1e-6)


def test_huggingface_inference_client_chat(asgi_server, celery_worker, secret, echo_model):
    from huggingface_hub import InferenceClient

    hf = InferenceClient(base_url=f"{asgi_server}/v1", api_key=secret, timeout=30)
    out = hf.chat_completion(model="echo", messages=HELLO, max_tokens=2)
    assert out.choices[0].message.content == "hello brave"
    streamed = "".join(
        chunk.choices[0].delta.content or ""
        for chunk in hf.chat_completion(model="echo", messages=HELLO, stream=True)
        if chunk.choices
    )
    assert streamed == "hello brave new world"
