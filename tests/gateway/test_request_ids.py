"""Every /v1 response names its request (``x-request-id: req_<hex>``), error bodies carry
the same id, and the usage record of the request is stored under it, failures included,
so the member's request log finds exactly the request an error or a forum post quotes."""

import json

import httpx2 as httpx
import pytest
from django.conf import settings

from portal.apikeys.models import ApiKey
from sandbox.usage.models import UsageRecord
from sandbox.usage.selectors import api_usage_overview, usage_summary
from sandbox.usage.services import usage_records_flush

pytestmark = pytest.mark.django_db(transaction=True)

HELLO = [{"role": "user", "content": "hello brave new world"}]
GARBAGE = "\U0001e966U\U0010cd35\U000ff108"  # "𞥦U󐴵󿄈", as a fuzzer sent it


def auth(secret):
    return {"Authorization": f"Bearer {secret}"}


def request_id_of(response) -> str:
    request_id = response.headers["x-request-id"]
    assert request_id.startswith("req_") and len(request_id) == 36, request_id
    return request_id


def test_every_kind_of_v1_response_carries_its_own_request_id(v1, celery_worker, secret, echo_model):
    """Success, streamed success, model lists, sync endpoints (files), validation, auth,
    unknown model and unknown URL: each response has an id, and no two share one."""
    responses = {
        "chat": httpx.post(f"{v1}/chat/completions", headers=auth(secret), json={"model": "echo", "messages": HELLO}),
        "models": httpx.get(f"{v1}/models", headers=auth(secret)),
        "files": httpx.get(f"{v1}/files", headers=auth(secret)),
        "files_error": httpx.get(f"{v1}/files/file-nope", headers=auth(secret)),
        "invalid": httpx.post(f"{v1}/chat/completions", headers=auth(secret), json={"model": "echo"}),
        "no_key": httpx.get(f"{v1}/models"),
        "bad_key": httpx.get(f"{v1}/models", headers=auth("atr_live_nope")),
        "unknown_model": httpx.post(
            f"{v1}/chat/completions", headers=auth(secret), json={"model": "nope", "messages": HELLO}
        ),
        "unknown_url": httpx.get(f"{v1}/nothing/here", headers=auth(secret)),
        "v1_root": httpx.get(f"{v1}/"),
    }
    body = {"model": "echo", "messages": HELLO, "stream": True}
    with httpx.stream("POST", f"{v1}/chat/completions", headers=auth(secret), json=body) as streamed:
        assert streamed.headers["content-type"].startswith("text/event-stream")
        stream_id = request_id_of(streamed)
        chunks = [line for line in streamed.iter_lines() if line.startswith("data: {")]
    ids = {name: request_id_of(response) for name, response in responses.items()}
    ids["stream"] = stream_id
    assert len(set(ids.values())) == len(ids)

    # A completion's own id is its request's: "chatcmpl-<hex>" for "req_<hex>".
    assert responses["chat"].json()["id"] == ids["chat"].replace("req_", "chatcmpl-")
    assert json.loads(chunks[0][len("data: ") :])["id"] == stream_id.replace("req_", "chatcmpl-")

    for name in ("files_error", "invalid", "no_key", "bad_key", "unknown_model", "unknown_url", "v1_root"):
        error = responses[name].json()["error"]
        assert responses[name].status_code >= 400, name
        assert error["request_id"] == ids[name], name
        assert error["help_url"] == f"{settings.SITE_URL.rstrip('/')}/docs/errors/#{error['code']}", name
        assert set(error) == {"message", "type", "param", "code", "help_url", "request_id"}, name


def test_a_streamed_call_is_recorded_under_the_id_in_its_header(v1, celery_worker, secret, echo_model):
    with httpx.stream(
        "POST",
        f"{v1}/chat/completions",
        headers=auth(secret),
        json={"model": "echo", "messages": HELLO, "stream": True, "max_tokens": 2},
    ) as streamed:
        request_id = request_id_of(streamed)
        assert streamed.status_code == 200
        list(streamed.iter_lines())
    usage_records_flush()
    record = UsageRecord.objects.get(request_id=request_id)
    assert record.stream and record.status_code == 200 and record.model_id == "echo"


def test_failed_requests_are_recorded_under_the_id_their_error_names(v1, celery_worker, user, secret, echo_model):
    """A 400, 404 and 429 are each in the usage records, under the id of the error body,
    with their code and message; a name that is no model is kept only as requested."""
    key = ApiKey.objects.get(user=user)
    invalid = httpx.post(
        f"{v1}/chat/completions", headers=auth(secret), json={"model": "â", "messages": HELLO, "temperature": 9}
    )
    unknown = httpx.post(f"{v1}/chat/completions", headers=auth(secret), json={"model": GARBAGE, "messages": HELLO})
    detail = httpx.get(f"{v1}/models/{GARBAGE}", headers=auth(secret))
    listed = httpx.get(f"{v1}/models", headers=auth(secret))
    ok = httpx.post(f"{v1}/chat/completions", headers=auth(secret), json={"model": "echo", "messages": HELLO})
    ApiKey.objects.filter(pk=key.pk).update(rate_limit_rpm=1)
    from portal.apikeys import cache

    cache.publish(ApiKey.objects.select_related("user").get(pk=key.pk))
    limited = [httpx.get(f"{v1}/models", headers=auth(secret)) for _ in range(3)][-1]
    assert [r.status_code for r in (invalid, unknown, detail, listed, ok, limited)] == [400, 404, 404, 200, 200, 429]

    usage_records_flush()
    records = {r.request_id: r for r in UsageRecord.objects.filter(user=user)}
    for response in (invalid, unknown, detail, limited):
        error = response.json()["error"]
        record = records[error["request_id"]]
        assert (record.status_code, record.error_code) == (response.status_code, error["code"])
        assert record.error_message == error["message"][:500]
        assert record.model_id == ""  # never a model that is none
    assert records[request_id_of(invalid)].requested_model == "â"
    assert records[request_id_of(unknown)].requested_model == GARBAGE
    assert records[request_id_of(detail)].requested_model == GARBAGE
    assert records[request_id_of(ok)].model_id == "echo"
    assert records[request_id_of(listed)].model_id == "" and records[request_id_of(listed)].endpoint == "models"

    # Usage and the staff dashboard aggregate models only; model lists are "other endpoints".
    today = records[request_id_of(ok)].created_at.date()
    summary = usage_summary(user=user, start=today, end=today)
    assert [row["model_id"] for row in summary.by_model] == ["echo"]
    assert {row["endpoint"] for row in summary.other_endpoints} == {"models", "chat.completions"}
    overview = api_usage_overview(start=records[request_id_of(ok)].created_at, dates=[today])
    assert [row["model_id"] for row in overview["by_model"]] == ["echo"]


def test_bodies_are_logged_only_for_a_key_that_opts_in_with_keys_redacted(v1, celery_worker, user, echo_model):
    from portal.apikeys.services import api_key_create
    from sandbox.usage.models import UsageRecordBody

    logged_key, logged = api_key_create(user=user, name="logged", log_bodies_days=1)
    _quiet_key, quiet = api_key_create(user=user, name="quiet")
    _other, leaked = api_key_create(user=user, name="pasted by mistake")
    prompt = [{"role": "user", "content": f"my key is {leaked}"}]
    calls = [
        httpx.post(f"{v1}/chat/completions", headers=auth(logged), json={"model": "echo", "messages": prompt}),
        httpx.post(f"{v1}/chat/completions", headers=auth(logged), json={"model": "nope", "messages": HELLO}),
        httpx.post(f"{v1}/chat/completions", headers=auth(quiet), json={"model": "echo", "messages": HELLO}),
    ]
    body = {"model": "echo", "messages": HELLO, "stream": True}
    with httpx.stream("POST", f"{v1}/chat/completions", headers=auth(logged), json=body) as streamed:
        list(streamed.iter_lines())
    usage_records_flush()
    kept = {b.record.request_id: b for b in UsageRecordBody.objects.select_related("record")}
    ok, failed, unlogged = (request_id_of(r) for r in calls)
    assert set(kept) == {ok, failed, request_id_of(streamed)}
    assert leaked not in kept[ok].request_body and "my key is" in kept[ok].request_body
    assert leaked not in kept[ok].response_body and json.loads(kept[ok].response_body)["object"] == "chat.completion"
    assert json.loads(kept[failed].response_body)["error"]["request_id"] == failed
    assert kept[request_id_of(streamed)].response_body.endswith("data: [DONE]\n\n")
    assert all(b.record.api_key_id == logged_key.pk for b in kept.values())
    assert not UsageRecordBody.objects.filter(record__request_id=unlogged).exists()


def test_calls_to_files_and_fine_tuning_are_in_the_log_too(v1, user, secret):
    listed = httpx.get(f"{v1}/files", headers=auth(secret))
    missing = httpx.get(f"{v1}/fine_tuning/jobs/ftjob-nope", headers=auth(secret))
    usage_records_flush()
    files = UsageRecord.objects.get(request_id=request_id_of(listed))
    assert (files.endpoint, files.status_code, files.model_id) == ("files", 200, "")
    job = UsageRecord.objects.get(request_id=request_id_of(missing))
    assert (job.endpoint, job.status_code, job.error_code) == ("fine_tuning.jobs", 404, "not_found")
