"""The usage page and CSV show only the caller's own calls; the Playground endpoint needs a
session and CSRF."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.apikeys.services import api_key_create
from sandbox.usage.models import UsageRecord

pytestmark = pytest.mark.django_db


def record(user, key, request_id, *, status=200, tokens=(3, 4), days_ago=0, latency=10, model="echo"):
    return UsageRecord.objects.create(
        request_id=request_id,
        user=user,
        api_key=key,
        model_id=model,
        endpoint="chat.completions",
        status_code=status,
        prompt_tokens=tokens[0],
        completion_tokens=tokens[1],
        latency_ms=latency,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def history(user, other_user):
    key, _ = api_key_create(user=user, name="mine")
    theirs, _ = api_key_create(user=other_user, name="theirs")
    for i, latency in enumerate([10, 20, 30, 40, 1000]):
        record(user, key, f"req_mine_{i}", latency=latency)
    record(user, key, "req_mine_err", status=429, tokens=(0, 0), latency=1)
    record(user, None, "req_mine_old", days_ago=45)
    record(other_user, theirs, "req_theirs", tokens=(100, 100))
    return key


def test_usage_page_summarises_only_my_calls(client, user, history, django_assert_max_num_queries):
    client.force_login(user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("usage:usage"))
    summary = response.context["summary"]
    assert summary.totals["requests"] == 6 and summary.totals["errors"] == 1
    assert summary.totals["tokens"] == 5 * 7
    assert summary.totals["p50"] == 20 and summary.totals["p95"] == 1000
    assert b"theirs" not in response.content
    assert b'id="usage-data"' in response.content


def test_date_range_and_key_filters(client, user, history):
    client.force_login(user)
    start = (timezone.now() - timedelta(days=60)).date().isoformat()
    response = client.get(reverse("usage:usage"), {"start": start})
    assert response.context["summary"].totals["requests"] == 7
    response = client.get(reverse("usage:usage"), {"start": start, "key": history.pk})
    assert response.context["summary"].totals["requests"] == 6
    bad = client.get(reverse("usage:usage"), {"start": "2026-02-01", "end": "2026-01-01"})
    assert bad.status_code == 400 and b"start date must be on or before" in bad.content


def test_csv_export(client, user, history):
    client.force_login(user)
    response = client.get(reverse("usage:export"))
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 6 and {r["key_name"] for r in rows} == {"mine"}
    assert sum(int(r["total_tokens"]) for r in rows) == 35
    assert "theirs" not in str(rows)


def test_playground_needs_login_and_csrf(client, user):
    assert client.get(reverse("playground:page")).status_code == 302
    response = client.post(reverse("playground:chat"), {"model": "echo"}, content_type="application/json")
    assert response.status_code == 401 and response.json()["error"]["message"]
    csrf_client = client.__class__(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    response = csrf_client.post(
        reverse("playground:chat"), {"model": "echo", "messages": []}, content_type="application/json"
    )
    assert response.status_code == 403
