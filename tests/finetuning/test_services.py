"""Services in process: the reaper's attempt limit, fair queueing, webhooks (signed, retried,
logged), the mail when a job ends, and scoped browser pages."""

import base64
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from sandbox.finetuning import selectors, services
from sandbox.finetuning.models import FineTuningJob, WebhookDelivery
from sandbox.finetuning.webhooks import webhook_delivery_attempt, webhook_endpoint_set
from tests.factories import FineTuningJobFactory, training_file


def data_file(user, count=12):
    return training_file(user, examples=count)


def new_job(user, file=None):
    return FineTuningJobFactory(owner=user, file=file)


def test_a_job_that_keeps_killing_its_worker_fails_after_three_attempts(dev, base_model, settings):
    settings.FINETUNE_MAX_ATTEMPTS = 3
    job = new_job(dev)
    FineTuningJob.objects.filter(pk=job.pk).update(
        status="running", attempts=3, heartbeat_at=timezone.now() - timedelta(minutes=5)
    )
    assert services.finetune_jobs_reap(stale_after=60) == [job.id]
    job.refresh_from_db()
    assert job.status == "failed" and job.error["code"] == "worker_crashed"
    assert "stopped unexpectedly 3 times" in job.error["message"] and "batch_size" in job.error["message"]
    assert job.settled
    assert "failed" in mail.outbox[-1].subject and job.id in mail.outbox[-1].body


def test_a_stale_job_with_attempts_left_is_requeued_and_redispatched(dev, base_model):
    job = new_job(dev)
    FineTuningJob.objects.filter(pk=job.pk).update(
        status="running", attempts=1, heartbeat_at=timezone.now() - timedelta(minutes=5)
    )
    old_dispatch = FineTuningJob.objects.get(pk=job.pk).dispatch_id
    services.finetune_jobs_reap(stale_after=60)
    job.refresh_from_db()
    assert job.status == "queued" and job.dispatch_id and job.dispatch_id != old_dispatch
    # The old delivery of the task can no longer run the job.
    assert services.finetune_job_claim(job_id=job.id, dispatch_id=old_dispatch, worker="w") is None


def test_fair_queueing_admits_the_next_job_when_one_ends(dev, other_dev, base_model, settings):
    settings.FINETUNE_MAX_CONCURRENT_JOBS = 1
    file = data_file(dev)
    first, second, third = new_job(dev, file), new_job(dev, file), new_job(dev, file)
    theirs = new_job(other_dev)
    assert theirs.dispatch_id  # another account's queue is its own
    assert [selectors.queue_position(j) for j in (first, second, third)] == [1, 2, 3]
    assert not FineTuningJob.objects.get(pk=second.pk).dispatch_id
    services.finetune_job_cancel(job=first)
    second.refresh_from_db()
    assert second.dispatch_id and selectors.queue_position(second) == 1
    assert selectors.queue_position(FineTuningJob.objects.get(pk=third.pk)) == 2


def test_mail_when_a_job_ends(dev, base_model):
    job = new_job(dev)
    services.finetune_job_cancel(job=job)
    assert [m.to for m in mail.outbox] == [[dev.email]]
    assert f"Fine-tuning job {job.id} cancelled" in mail.outbox[0].subject


class Receiver(BaseHTTPRequestHandler):
    replies: list[int] = []
    received: list[tuple[dict, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        Receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(Receiver.replies.pop(0) if Receiver.replies else 200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(monkeypatch):
    # These tests drive the delivery attempts themselves: keep the session's Celery worker
    # (when another test started one) from delivering the same rows at the same time.
    monkeypatch.setattr("sandbox.finetuning.webhooks._send", lambda delivery_id: None)
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.replies, Receiver.received = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks"
    server.shutdown()


def test_webhooks_are_signed_retried_and_logged(dev, base_model, receiver):
    endpoint = webhook_endpoint_set(owner=dev, url=receiver)
    job = new_job(dev)
    services.finetune_job_cancel(job=job)
    delivery = WebhookDelivery.objects.get(event_type="fine_tuning.job.cancelled")
    assert delivery.payload["data"]["id"] == job.id
    # The task (default queue) is not running here: drive the attempts directly.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="pending", attempts=0)
    Receiver.received.clear()
    Receiver.replies = [500]
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is False  # to be retried with backoff
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
    assert webhook_delivery_attempt(delivery_id=delivery.pk) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    headers, body = Receiver.received[-1]
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(endpoint.secret.encode(), signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    assert json.loads(body)["type"] == "fine_tuning.job.cancelled"


def test_webhook_deliveries_give_up_after_the_attempt_limit(dev, receiver):
    webhook_endpoint_set(owner=dev, url=receiver.replace("/hooks", "/nowhere"))
    from sandbox.finetuning.webhooks import MAX_ATTEMPTS, webhook_event_emit

    delivery = webhook_event_emit(owner=dev, event_type="fine_tuning.job.failed", data={"id": "ftjob-x"})
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="pending", attempts=0)
    Receiver.replies = [503] * MAX_ATTEMPTS
    results = [webhook_delivery_attempt(delivery_id=delivery.pk) for _ in range(MAX_ATTEMPTS)]
    assert results == [False] * (MAX_ATTEMPTS - 1) + [None]
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "failed"


def test_browser_pages_are_scoped_to_their_owner(client, dev, other_dev, base_model, django_assert_max_num_queries):
    job = new_job(dev)
    client.force_login(other_dev)
    assert client.get(reverse("finetuning:job_detail", args=[job.id])).status_code == 404
    assert client.get(reverse("finetuning:job_metrics", args=[job.id])).status_code == 404
    assert client.post(reverse("finetuning:job_cancel", args=[job.id])).status_code == 404
    assert job.id not in client.get(reverse("finetuning:job_list")).content.decode()
    client.force_login(dev)
    for _ in range(3):
        new_job(dev)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("finetuning:job_list"))
    assert job.id in page.content.decode()
    detail = client.get(reverse("finetuning:job_detail", args=[job.id])).content.decode()
    assert "Estimated cost" in detail and "Cancel job" in detail


def test_the_upload_form_shows_line_numbers_and_stores_nothing(client, dev):
    client.force_login(dev)
    bad = SimpleUploadedFile("bad.jsonl", b'{"messages": []}\n{oops\n')
    page = client.post(reverse("finetuning:file_list"), {"file": bad}).content.decode()
    assert "line 1: `messages` must be a non-empty list" in page.replace("&#x60;", "`")
    assert "line 2: invalid JSON" in page
    assert not dev.training_files.exists()


def test_a_job_cancelled_while_its_worker_died_is_still_charged(dev, base_model):
    from portal.billing.services import credits_balance

    job = new_job(dev)
    FineTuningJob.objects.filter(pk=job.pk).update(
        status="running", attempts=1, device_seconds=120.0, heartbeat_at=timezone.now()
    )
    services.finetune_job_cancel(job=FineTuningJob.objects.get(pk=job.pk))
    assert not FineTuningJob.objects.get(pk=job.pk).settled  # its worker would settle it...
    before = credits_balance(user=dev)
    FineTuningJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(minutes=5))
    services.finetune_jobs_reap(stale_after=60)  # ...but it died, so the reaper does
    job.refresh_from_db()
    assert job.settled and job.charged_credits == Decimal("0.1200")
    assert credits_balance(user=dev) == before - Decimal("0.1200")
