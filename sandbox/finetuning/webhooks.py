"""Signed webhooks for job state changes (the Standard Webhooks scheme OpenAI uses).

Each delivery is a row (the developer's delivery log); the `default` queue sends it and
retries with exponential backoff. Headers: `webhook-id`, `webhook-timestamp` and
`webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid

from django.db import transaction
from django.utils import timezone

from .models import WebhookDelivery, WebhookEndpoint

MAX_ATTEMPTS = 6
TIMEOUT_SECONDS = 10


def sign(*, secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{event_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_endpoint_set(*, owner, url: str) -> WebhookEndpoint:
    """Register (or change) the account's endpoint; an empty URL removes it."""
    if not url:
        WebhookEndpoint.objects.filter(owner=owner).delete()
        return None
    endpoint = WebhookEndpoint.objects.filter(owner=owner).first() or WebhookEndpoint(owner=owner)
    endpoint.url, endpoint.is_active = url, True
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def webhook_event_emit(*, owner, event_type: str, data: dict) -> WebhookDelivery | None:
    endpoint = WebhookEndpoint.objects.filter(owner=owner, is_active=True).first()
    if endpoint is None:
        return None
    event_id = f"evt_{uuid.uuid4().hex}"
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=event_id,
        event_type=event_type,
        payload={"id": event_id, "object": "event", "created_at": int(time.time()), "type": event_type, "data": data},
    )
    transaction.on_commit(lambda: _send(delivery.pk))
    return delivery


def _send(delivery_id: int) -> None:
    from .tasks import webhook_delivery_send

    webhook_delivery_send.delay(delivery_id=delivery_id)


def webhook_delivery_attempt(*, delivery_id: int) -> bool | None:
    """POST one delivery. True when delivered, False to retry, None when given up."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status != WebhookDelivery.Status.PENDING:
        return True
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 (scheme checked below)
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "content-type": "application/json",
            "user-agent": "Atrium-Webhooks/1",
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(
                secret=delivery.endpoint.secret, event_id=delivery.event_id, timestamp=timestamp, body=body
            ),
        },
    )
    delivery.attempts += 1
    if not delivery.endpoint.url.lower().startswith(("https://", "http://")):
        delivery.status, delivery.last_error = WebhookDelivery.Status.FAILED, "Only http(s) endpoints are called."
        delivery.save()
        return None
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (scheme checked)
            delivery.response_status, delivery.last_error = response.status, ""
    except urllib.error.HTTPError as exc:
        delivery.response_status, delivery.last_error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        delivery.response_status, delivery.last_error = None, str(getattr(exc, "reason", exc))[:500]
    ok = delivery.response_status is not None and 200 <= delivery.response_status < 300
    if ok:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, timezone.now()
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save()
    if ok:
        return True
    return None if delivery.status == WebhookDelivery.Status.FAILED else False
