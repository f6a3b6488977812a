"""Every error the /v1 API can give, in OpenAI's shape with the right status."""

from datetime import timedelta
from decimal import Decimal

import httpx2 as httpx
import openai
import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from portal.apikeys.models import ApiKey
from portal.apikeys.services import api_key_create, api_key_revoke
from portal.billing.services import credits_balance, credits_charge
from tests.support.http import post_chunked
from tests.support.processes import start_asgi_server

pytestmark = pytest.mark.django_db(transaction=True)

HELLO = [{"role": "user", "content": "hello brave new world"}]


def post(v1, secret, path, body, **kwargs):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return httpx.post(
        f"{v1}{path}", headers=headers, timeout=30, **kwargs, **({"json": body} if body is not None else {})
    )


def assert_error(response, status, code=None, param=None, type_=None):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "param", "code"}
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    if param is not None:
        assert error["param"] == param
    if type_ is not None:
        assert error["type"] == type_
    # Absolute, and the request named as in its header (the request log finds it by this id).
    assert error["help_url"].startswith(f"{django_settings.SITE_URL.rstrip('/')}/")
    assert error["request_id"] == response.headers["x-request-id"] and error["request_id"].startswith("req_")
    return error


def test_malformed_json_is_400(v1, secret, echo_model):
    response = httpx.post(
        f"{v1}/chat/completions",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        content=b'{"model": "echo", "messages": [',
        timeout=30,
    )
    assert_error(response, 400, code="invalid_json", type_="invalid_request_error")


@pytest.mark.parametrize(
    "body, param",
    [
        ({"model": "echo", "messages": "hi"}, "messages"),
        ({"model": "echo", "messages": HELLO, "max_tokens": "lots"}, "max_tokens"),
        ({"model": "echo", "messages": HELLO, "temperature": 3}, "temperature"),
        ({"model": "echo", "messages": HELLO, "stream": "yes"}, "stream"),
        ({"model": "echo", "messages": HELLO, "stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"model": "echo", "messages": [{"role": "wizard", "content": "x"}]}, "messages.0.role"),
        ({"messages": HELLO}, "model"),
    ],
)
def test_wrong_types_are_400_naming_the_param(v1, secret, echo_model, body, param):
    response = post(v1, secret, "/chat/completions", body)
    assert_error(response, 400, param=param)
    assert response.headers["x-ratelimit-remaining-requests"]  # errors carry the limit headers too


def test_unknown_model_is_404_model_not_found(client):
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="gpt-17", messages=HELLO)
    assert info.value.code == "model_not_found" and info.value.param == "model"


def test_max_tokens_out_of_range_says_the_limit(client, echo_model):
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="echo", messages=HELLO, max_tokens=10_000)
    assert info.value.param == "max_tokens"
    assert str(echo_model.max_output_tokens) in info.value.message
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="echo", messages=HELLO, max_tokens=0)


def test_prompt_longer_than_context_is_400_context_length_exceeded(client, echo_model):
    long = " ".join(["word"] * (echo_model.context_length + 1))
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="echo", messages=[{"role": "user", "content": long}])
    assert info.value.code == "context_length_exceeded"
    assert str(echo_model.context_length) in info.value.message
    with pytest.raises(openai.BadRequestError):  # streaming too: the status comes before any chunk
        client.chat.completions.create(model="echo", messages=[{"role": "user", "content": long}], stream=True)


def test_missing_invalid_revoked_and_expired_keys_are_401(v1, api_key, user, echo_model):
    key, secret = api_key
    body = {"model": "echo", "messages": HELLO}
    error = assert_error(post(v1, None, "/chat/completions", body), 401)
    assert "API key" in error["message"]
    assert_error(post(v1, "atr_live_" + "A" * 38, "/chat/completions", body), 401, code="invalid_api_key")
    typo = secret[:-1] + ("a" if secret[-1] != "a" else "b")
    error = assert_error(post(v1, typo, "/chat/completions", body), 401, code="invalid_api_key")
    assert typo not in error["message"] and secret[9:20] not in error["message"]
    expired, expired_secret = api_key_create(user=user, name="old", expires_at=timezone.now() + timedelta(hours=1))
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))  # time passed
    assert "expired" in assert_error(post(v1, expired_secret, "/chat/completions", body), 401)["message"]
    api_key_revoke(key=key)
    assert "revoked" in assert_error(post(v1, secret, "/chat/completions", body), 401)["message"]


def test_missing_scope_is_403_and_read_only_keys_only_get(v1, user, echo_model):
    _key, files_only = api_key_create(user=user, name="files", scopes=["files"])
    assert_error(
        post(v1, files_only, "/chat/completions", {"model": "echo", "messages": HELLO}), 403, code="insufficient_scope"
    )
    _key, read_only = api_key_create(user=user, name="ro", scopes=["read-only"])
    assert httpx.get(f"{v1}/models", headers={"Authorization": f"Bearer {read_only}"}).status_code == 200
    error = assert_error(post(v1, read_only, "/chat/completions", {"model": "echo", "messages": HELLO}), 403)
    assert "read-only" in error["message"]


def test_a_revoked_key_is_refused_on_its_very_next_call(client, api_key, celery_worker):
    """A revoked key is refused at once, though the server holds its grant in Redis: revoking
    publishes the new grant there before the call returns."""
    key, _secret = api_key
    client.models.list()  # the key is now cached in Redis
    api_key_revoke(key=ApiKey.objects.get(pk=key.pk))
    with pytest.raises(openai.AuthenticationError):
        client.models.list()


def test_rate_limit_is_429_with_retry_after(v1, user, echo_model):
    key, secret = api_key_create(user=user, name="tight")
    ApiKey.objects.filter(pk=key.pk).update(rate_limit_rpm=2)
    headers = {"Authorization": f"Bearer {secret}"}
    first = httpx.get(f"{v1}/models", headers=headers)
    assert first.headers["x-ratelimit-limit-requests"] == "2"
    assert first.headers["x-ratelimit-remaining-requests"] == "1"
    httpx.get(f"{v1}/models", headers=headers)
    refused = httpx.get(f"{v1}/models", headers=headers)
    assert_error(refused, 429, code="rate_limit_exceeded", type_="rate_limit_error")
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"


def test_tokens_per_minute_limit(v1, user, echo_model):
    key, secret = api_key_create(user=user, name="few tokens")
    ApiKey.objects.filter(pk=key.pk).update(rate_limit_tpm=40)
    body = {"model": "echo", "messages": HELLO, "max_tokens": 30}
    assert post(v1, secret, "/chat/completions", body).status_code == 200
    assert_error(post(v1, secret, "/chat/completions", body), 429, code="rate_limit_exceeded")
    too_big = {"model": "echo", "messages": HELLO, "max_tokens": 32, "n": 2}
    assert "too large" in assert_error(post(v1, secret, "/chat/completions", too_big), 429)["message"]


def test_empty_balance_is_429_insufficient_quota(client, user, echo_model):
    credits_charge(user=user, amount=credits_balance(user=user), reason="spent")
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="echo", messages=HELLO)
    assert info.value.code == "insufficient_quota"
    assert info.value.body["type"] == "insufficient_quota"
    assert Decimal(credits_balance(user=user)) == 0


def test_no_worker_within_the_timeout_is_503_with_retry_after(transactional_db, secret, echo_model):
    """With no worker consuming the broker the gateway uses, the call fails fast with 503."""
    from django.conf import settings

    dead_broker = settings.REDIS_URL.rsplit("/", 1)[0] + "/13"
    server, url = start_asgi_server(CELERY_BROKER_URL=dead_broker, GATEWAY_DISPATCH_TIMEOUT_SECONDS="1")
    try:
        response = post(f"{url}/v1", secret, "/chat/completions", {"model": "echo", "messages": HELLO})
        assert_error(response, 503, code="model_unavailable", type_="server_error")
        assert int(response.headers["retry-after"]) >= 1
    finally:
        server.stop()
        import redis

        redis.Redis.from_url(dead_broker).flushdb()


def test_unknown_v1_url_is_an_openai_404(v1, secret):
    assert_error(httpx.get(f"{v1}/no/such/thing", headers={"Authorization": f"Bearer {secret}"}), 404)


def test_a_chat_call_takes_exactly_one_request_from_the_limit(v1, user, echo_model):
    key, secret = api_key_create(user=user, name="three")
    ApiKey.objects.filter(pk=key.pk).update(rate_limit_rpm=3)
    body = {"model": "echo", "messages": HELLO}
    remaining = [
        post(v1, secret, "/chat/completions", body).headers["x-ratelimit-remaining-requests"] for _ in range(3)
    ]
    assert remaining == ["2", "1", "0"]
    assert_error(post(v1, secret, "/chat/completions", body), 429, code="rate_limit_exceeded")


def test_async_endpoints_link_the_forums_answer_without_blocking_the_event_loop(user, secret, echo_model):
    """An error body's help_url reads the answer staff verified from the database: from async
    views that lookup must run off the event loop. The server runs with Django's async
    safety on (as in production; the browser tests turn it off for their own process)."""
    from django.conf import settings as django_settings

    from community.forums import services as forum_services
    from community.forums.models import Category, CategoryKind
    from portal.accounts.roles import Role
    from portal.accounts.services import user_set_role
    from tests.forums.conftest import make_member

    qa = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA)
    asker = make_member("asker@example.org", handle="asker")
    thread = forum_services.thread_create(
        author=asker, category=qa, title="model_not_found for my model", body="Which id?", error_code="model_not_found"
    )
    answer = forum_services.post_create(author=user, thread=thread, body="Use the id from GET /v1/models.")
    forum_services.post_accept_answer(user=asker, post=answer)
    manager = user_set_role(user=make_member("cm@example.org", handle="cm"), role=Role.COMMUNITY_MANAGER)
    forum_services.error_answer_verify(staff=manager, post=answer)
    server, url = start_asgi_server(DJANGO_ALLOW_ASYNC_UNSAFE="")
    try:
        response = post(f"{url}/v1", secret, "/chat/completions", {"model": "no-such-model", "messages": HELLO})
        error = assert_error(response, 404, code="model_not_found")
        assert error["help_url"] == f"{django_settings.SITE_URL}{thread.get_absolute_url()}#post-{answer.pk}"
    finally:
        server.stop()


def test_a_chunked_body_past_the_limit_is_413_before_django_reads_it(asgi_server, secret, settings):
    """A /v1 body with no Content-Length is cut off once it passes DATA_UPLOAD_MAX_MEMORY_SIZE,
    in front of Django's handler (which would otherwise spool all of it to disk)."""
    piece = b" " * 65536
    reply = post_chunked(
        asgi_server,
        "/v1/chat/completions",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        first=b"",
        piece=piece,
        count=settings.DATA_UPLOAD_MAX_MEMORY_SIZE // len(piece) * 4,
    )
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b'"code": "request_too_large"' in reply


def test_the_playgrounds_chat_body_is_limited_too(asgi_server, settings):
    """The Playground's chat is the API's own view behind a session: the same guard applies."""
    piece = b" " * 65536
    reply = post_chunked(
        asgi_server,
        "/playground/chat",
        headers={"Content-Type": "application/json"},
        first=b"",
        piece=piece,
        count=settings.DATA_UPLOAD_MAX_MEMORY_SIZE // len(piece) * 4,
    )
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
