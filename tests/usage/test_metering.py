"""Every call is metered, behind the request path, exactly, and survives a web restart."""

import time
from decimal import Decimal

import httpx2 as httpx
import pytest
from celery import current_app
from openai import OpenAI

from portal.apikeys.services import api_key_create
from portal.billing.models import CreditEntry
from portal.billing.services import credits_balance
from sandbox.usage.models import UsageRecord
from sandbox.usage.services import STREAM, usage_records_flush
from tests.support.processes import start_asgi_server

pytestmark = pytest.mark.django_db(transaction=True)

HELLO = [{"role": "user", "content": "hello brave new world"}]


def test_usage_records_sum_exactly_to_tokens_returned_and_survive_a_web_restart(celery_worker, user, echo_model):
    from portal.redis_client import get_redis

    key, secret = api_key_create(user=user, name="metered")
    balance_before = credits_balance(user=user)
    server, url = start_asgi_server()
    client = OpenAI(base_url=f"{url}/v1", api_key=secret, max_retries=0, timeout=30)
    prompt = completion = 0
    for n, max_tokens in ((1, 2), (3, 4), (2, None)):
        usage = client.chat.completions.create(model="echo", messages=HELLO, n=n, max_tokens=max_tokens).usage
        prompt, completion = prompt + usage.prompt_tokens, completion + usage.completion_tokens
    chunks = list(
        client.chat.completions.create(
            model="echo", messages=HELLO, stream=True, stream_options={"include_usage": True}
        )
    )
    prompt, completion = prompt + chunks[-1].usage.prompt_tokens, completion + chunks[-1].usage.completion_tokens
    usage = client.completions.create(model="echo", prompt="a b c d e f", max_tokens=5).usage
    prompt, completion = prompt + usage.prompt_tokens, completion + usage.completion_tokens
    httpx.post(
        f"{url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {secret}"},
        json={"model": "missing", "messages": HELLO},
    )
    # The web process dies before anything was flushed: nothing is lost.
    server.kill()
    assert get_redis().xlen(STREAM) >= 6
    current_app.send_task("sandbox.usage.records_flush")  # as beat does, on the real worker
    deadline = time.monotonic() + 30
    while UsageRecord.objects.filter(user=user).count() < 6 and time.monotonic() < deadline:
        time.sleep(0.2)
    records = UsageRecord.objects.filter(user=user, api_key=key)
    assert records.count() == 6
    ok = records.filter(status_code=200)
    assert sum(r.prompt_tokens for r in ok) == prompt
    assert sum(r.completion_tokens for r in ok) == completion
    failed = records.get(status_code=404)
    assert failed.error_code == "model_not_found" and failed.total_tokens == 0
    assert ok.filter(stream=True).count() == 1
    assert all(r.latency_ms >= 0 for r in records)
    expected_cost = (Decimal("0.5") * (prompt + completion) / 1000).quantize(Decimal("0.000001"))
    assert abs(sum(r.cost for r in ok) - expected_cost) <= Decimal("0.000006")
    assert credits_balance(user=user) == balance_before - sum(r.cost for r in ok)
    assert CreditEntry.objects.filter(user=user, kind=CreditEntry.Kind.USAGE).exists()
    key.refresh_from_db()
    assert key.last_used_at is not None
    # Flushing again stores and charges nothing twice.
    assert usage_records_flush() == 0
    assert UsageRecord.objects.filter(user=user).count() == 6
