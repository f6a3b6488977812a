"""/v1/files and /v1/fine_tuning/jobs through the official `openai` SDK on the real ASGI server."""

import json
import socket
from decimal import Decimal
from urllib.parse import urlparse

import openai
import pytest
from django.conf import settings

from sandbox.finetuning import pricing, selectors, testing
from sandbox.finetuning.models import FineTuningJob, TrainingFile
from tests.factories import ApiKeyFactory, UserFactory
from tests.finetuning.conftest import key_for
from tests.support.http import post_chunked


def upload(sdk, path):
    with open(path, "rb") as handle:
        return sdk.files.create(file=handle, purpose="fine-tune")


def test_files_upload_list_get_content_delete(sdk, chat_jsonl):
    """A valid file is stored and served back byte for byte; deleting it removes it."""
    created = upload(sdk, chat_jsonl)
    assert created.id.startswith("file-") and created.purpose == "fine-tune" and created.status == "processed"
    assert created.bytes == chat_jsonl.stat().st_size
    assert [f.id for f in sdk.files.list()] == [created.id]
    assert sdk.files.retrieve(created.id).filename == "train.jsonl"
    assert sdk.files.content(created.id).read() == chat_jsonl.read_bytes()
    assert sdk.files.delete(created.id).deleted is True
    with pytest.raises(openai.NotFoundError):
        sdk.files.retrieve(created.id)


def test_an_invalid_upload_names_lines_and_stores_nothing(sdk, tmp_path, dev):
    rows = [json.dumps(r) for r in testing.chat_dataset(12)]
    rows[3] = '{"messages": [{"role": "user", "content": "unterminated"'
    rows[7] = json.dumps({"messages": [{"content": "who am i"}, {"role": "assistant", "content": "x"}]})
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(openai.BadRequestError) as caught:
        upload(sdk, path)
    error = caught.value.body
    assert error["code"] == "invalid_file" and error["param"] == "file"
    assert "line 4: invalid JSON" in error["message"]
    assert "line 8: message 1 has no `role`" in error["message"]
    assert not TrainingFile.objects.exists()


def test_too_few_examples_is_refused(sdk, tmp_path):
    path = testing.write_jsonl(tmp_path / "few.jsonl", testing.chat_dataset(3))
    with pytest.raises(openai.BadRequestError, match="3 examples; at least 10"):
        upload(sdk, path)


def test_oversize_upload_is_refused_from_content_length_before_the_body(ft_server, dev):
    """A declared body over the limit is answered 413 while the client is still sending."""
    url = urlparse(ft_server)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + key_for(dev).encode()
            + b"\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 50000000\r\n\r\n--zz\r\n"
        )
        reply = b""
        while chunk := sock.recv(65536):  # the server answers and closes without reading the body
            reply += chunk
        reply = reply.decode()
    assert reply.startswith("HTTP/1.1 413"), reply
    assert '"code":"file_too_large"' in reply.replace(" ", "")
    # The documented shape: an absolute help_url, and the request's id in the body and the header.
    assert f'"help_url":"{settings.SITE_URL.rstrip("/")}/docs/errors/#file_too_large"' in reply.replace(" ", "")
    request_id = reply.lower().split("x-request-id: ", 1)[1].split("\r\n", 1)[0]
    assert request_id.startswith("req_") and f'"request_id":"{request_id}"' in reply.replace(" ", "")
    assert not TrainingFile.objects.exists()


def test_oversize_streamed_upload_without_length_is_refused(ft_server, dev):
    """A chunked upload with no Content-Length is cut off as soon as it passes the limit."""
    line = (json.dumps(testing.chat_dataset(1)[0]) + "\n").encode() * 20
    head = b'--zz\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\n\r\n'
    reply = post_chunked(
        ft_server,
        "/v1/files",
        headers={"Authorization": f"Bearer {key_for(dev)}", "Content-Type": "multipart/form-data; boundary=zz"},
        first=head,
        piece=line,
        count=2000,  # up to ~10 MB, far past the 200 kB limit
    )
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert not TrainingFile.objects.exists()


def test_job_create_shows_cost_and_queue_position(sdk, chat_jsonl, base_model):
    file = upload(sdk, chat_jsonl)
    first = sdk.fine_tuning.jobs.create(
        model="tiny-gpt", training_file=file.id, suffix="one", seed=3, hyperparameters={"n_epochs": 2, "batch_size": 4}
    )
    second = sdk.fine_tuning.jobs.create(model="tiny-gpt", training_file=file.id)
    assert first.status == "queued" and first.hyperparameters.n_epochs == 2 and first.seed == 3
    extra = first.model_extra
    assert extra["estimated_tokens"] > 0 and extra["estimated_device_seconds"] > 0
    # The estimate is the predicted device time at the price charged per device-second.
    assert Decimal(extra["estimated_cost"]) == pricing.device_credits(extra["estimated_device_seconds"])
    assert second.model_extra["queue_position"] == 2  # one job at a time per account
    # "auto" resolved as OpenAI's: 24 examples need 5 epochs to train on 100 examples.
    assert second.hyperparameters.n_epochs == 5 and second.hyperparameters.batch_size == 2
    page = sdk.fine_tuning.jobs.list(limit=1)
    assert [j.id for j in page.data] == [second.id] and page.has_more
    assert [j.id for j in sdk.fine_tuning.jobs.list(limit=5, after=second.id).data] == [first.id]
    messages = [e.message for e in sdk.fine_tuning.jobs.list_events(first.id)]
    assert any("Files validated" in m for m in messages)


def test_idempotent_create_never_starts_a_second_job(sdk, chat_jsonl, base_model):
    file = upload(sdk, chat_jsonl)
    headers = {"Idempotency-Key": "retry-me-123"}
    one = sdk.fine_tuning.jobs.create(model="tiny-gpt", training_file=file.id, extra_headers=headers)
    two = sdk.fine_tuning.jobs.create(model="tiny-gpt", training_file=file.id, extra_headers=headers)
    assert one.id == two.id
    assert FineTuningJob.objects.count() == 1


def test_cancel_a_queued_job(sdk, chat_jsonl, base_model):
    file = upload(sdk, chat_jsonl)
    job = sdk.fine_tuning.jobs.create(model="tiny-gpt", training_file=file.id)
    assert sdk.fine_tuning.jobs.cancel(job.id).status == "cancelled"
    with pytest.raises(openai.BadRequestError, match="already cancelled"):
        sdk.fine_tuning.jobs.cancel(job.id)


@pytest.mark.parametrize(
    ("kwargs", "error", "param"),
    [
        ({"model": "no-such-model"}, openai.NotFoundError, "model"),
        ({"training_file": "file-nope"}, openai.NotFoundError, "training_file"),
        ({"hyperparameters": {"n_epochs": 0}}, openai.BadRequestError, "hyperparameters.n_epochs"),
        ({"hyperparameters": {"warmup": 3}}, openai.BadRequestError, "hyperparameters.warmup"),
        ({"suffix": "bad suffix!"}, openai.BadRequestError, "suffix"),
    ],
)
def test_bad_job_requests_get_openai_errors(sdk, chat_jsonl, base_model, kwargs, error, param):
    file = upload(sdk, chat_jsonl)
    with pytest.raises(error) as caught:
        sdk.fine_tuning.jobs.create(**{"model": "tiny-gpt", "training_file": file.id, **kwargs})
    assert caught.value.body["param"] == param
    assert not FineTuningJob.objects.exists()


def test_a_job_beyond_the_balance_is_refused_before_it_starts(client_for, transactional_db, base_model, tmp_path):
    from tests.factories import UserFactory

    poor = UserFactory(email="poor@example.com")
    sdk = client_for(poor)
    from portal.billing.services import credits_balance, credits_charge

    balance = credits_balance(user=poor)
    if balance > 0:
        credits_charge(user=poor, amount=balance, reason="test: empty the balance")
    file = upload(sdk, testing.write_jsonl(tmp_path / "t.jsonl", testing.chat_dataset(12)))
    with pytest.raises(openai.APIStatusError) as caught:
        sdk.fine_tuning.jobs.create(model="tiny-gpt", training_file=file.id)
    assert caught.value.status_code == 402
    assert "estimated to cost" in caught.value.body["message"]
    assert "device-seconds" in caught.value.body["message"]
    assert not FineTuningJob.objects.exists()


def test_one_developer_cannot_see_or_use_anothers_files_and_jobs(client_for, dev, other_dev, chat_jsonl, base_model):
    mine, theirs = client_for(dev), client_for(other_dev)
    file = upload(mine, chat_jsonl)
    job = mine.fine_tuning.jobs.create(model="tiny-gpt", training_file=file.id)
    for call in (
        lambda: theirs.files.retrieve(file.id),
        lambda: theirs.files.content(file.id),
        lambda: theirs.files.delete(file.id),
        lambda: theirs.fine_tuning.jobs.retrieve(job.id),
        lambda: theirs.fine_tuning.jobs.cancel(job.id),
        lambda: theirs.fine_tuning.jobs.list_events(job.id),
        lambda: theirs.fine_tuning.jobs.checkpoints.list(job.id),
        lambda: theirs.fine_tuning.jobs.create(model="tiny-gpt", training_file=file.id),
    ):
        with pytest.raises(openai.NotFoundError):
            call()
    assert list(theirs.files.list()) == [] and list(theirs.fine_tuning.jobs.list()) == []
    assert FineTuningJob.objects.get().status == "queued"


def test_a_key_without_the_scope_is_refused(ft_server, dev):
    sdk = openai.OpenAI(api_key=key_for(dev, scopes=["inference"]), base_url=f"{ft_server}/v1", max_retries=0)
    with pytest.raises(openai.PermissionDeniedError):
        sdk.fine_tuning.jobs.list()
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(api_key="atr_live_wrong", base_url=f"{ft_server}/v1", max_retries=0).files.list()


def _v1(client, key, method: str, path: str):
    return getattr(client, method)(f"/v1/{path}", HTTP_AUTHORIZATION=f"Bearer {key.secret}")


def test_files_and_jobs_are_rate_limited_with_headers(client, transactional_db, settings):
    """/v1/files and /v1/fine_tuning/jobs sit on /v1's base: x-ratelimit-* headers, and 429 past the limit."""
    settings.RATE_LIMIT_KEY_RPM = 3
    key = ApiKeyFactory(user=UserFactory(email="limited@example.org"))
    for path in ("files", "fine_tuning/jobs", "files"):
        response = _v1(client, key, "get", path)
        assert response.status_code == 200, response.content
        assert response["x-ratelimit-limit-requests"] == "3" and "x-ratelimit-remaining-requests" in response
    refused = _v1(client, key, "get", "fine_tuning/jobs")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"


def test_an_unexpected_failure_is_an_openai_json_500(client, transactional_db, monkeypatch):
    """A bug in a fine-tuning endpoint answers OpenAI's JSON 500, never Django's page or a traceback."""

    def broken(**kwargs):
        raise RuntimeError("a bug, deep inside")

    monkeypatch.setattr(selectors, "file_list_for_user", broken)
    key = ApiKeyFactory(user=UserFactory(email="unlucky@example.org"))
    response = _v1(client, key, "get", "files")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["type"] == "server_error" and "deep inside" not in error["message"]
