"""Usage metering, written behind the request path.

The gateway appends one entry per call to a Redis stream (``usage_record_enqueue``),
which outlives any web process. ``usage_records_flush`` (Celery beat, `default` queue)
reads the stream through a consumer group (``portal.streams``), inserts the records in
one transaction, charges each account's credits for them in the same transaction, and
only then acknowledges the entries. A flush that dies half-way leaves its entries
pending; the next flush claims them, skips request ids already stored, and never charges
twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q

from portal.streams import DurableStream

from .models import UsageRecord

logger = logging.getLogger(__name__)

STREAM = "atrium:usage:records"
GROUP = "usage-flush"
COST_QUANTUM = Decimal("0.000001")
records_stream = DurableStream(STREAM, group=GROUP)


def usage_cost(*, price_per_1k_tokens, tokens: int) -> Decimal:
    return (Decimal(str(price_per_1k_tokens)) * tokens / 1000).quantize(COST_QUANTUM)


def usage_record_enqueue_on(pipe, **record) -> None:
    """Queue one call's record (plain ids and numbers; never a secret) on a Redis pipeline."""
    records_stream.append(record, pipe=pipe)


def usage_record_enqueue(**record) -> None:
    records_stream.append(record)


def _store(records: list[dict]) -> int:
    """Insert records not stored yet and charge their cost, all in one transaction."""
    from django.contrib.auth import get_user_model

    from portal.apikeys.models import ApiKey
    from portal.billing.models import CreditEntry
    from portal.billing.services import credits_charge

    by_id = {r["request_id"]: r for r in records}
    with transaction.atomic():
        stored = set(UsageRecord.objects.filter(request_id__in=by_id).values_list("request_id", flat=True))
        new = [
            UsageRecord(
                request_id=r["request_id"],
                user_id=r["user_id"],
                api_key_id=r.get("key_id"),
                model_id=r.get("model") or "",
                endpoint=r["endpoint"],
                stream=bool(r.get("stream")),
                status_code=r["status"],
                error_code=r.get("error_code") or "",
                prompt_tokens=r.get("prompt_tokens") or 0,
                completion_tokens=r.get("completion_tokens") or 0,
                latency_ms=max(0, int(r.get("latency_ms") or 0)),
                cost=Decimal(r.get("cost") or "0"),
                created_at=datetime.fromtimestamp(r["ts"], tz=UTC),
            )
            for request_id, r in by_id.items()
            if request_id not in stored
        ]
        existing_users = set(
            get_user_model().objects.filter(pk__in={r.user_id for r in new}).values_list("pk", flat=True)
        )
        new = [r for r in new if r.user_id in existing_users]
        live_keys = set(
            ApiKey.objects.filter(pk__in={r.api_key_id for r in new if r.api_key_id}).values_list("pk", flat=True)
        )
        for record in new:
            if record.api_key_id not in live_keys:
                record.api_key_id = None
        UsageRecord.objects.bulk_create(new)
        costs: dict[int, Decimal] = defaultdict(Decimal)
        for record in new:
            costs[record.user_id] += record.cost
        users = get_user_model().objects.in_bulk(list(costs))
        for user_id, cost in costs.items():
            if cost > 0:
                credits_charge(
                    user=users[user_id],
                    amount=cost,
                    reason="API usage",
                    kind=CreditEntry.Kind.USAGE,
                    allow_overdraft=True,
                )
        last_used = (
            UsageRecord.objects.filter(request_id__in=[r.request_id for r in new], api_key__isnull=False)
            .values("api_key")
            .annotate(last=Max("created_at"))
        )
        for row in last_used:
            ApiKey.objects.filter(pk=row["api_key"]).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=row["last"])
            ).update(last_used_at=row["last"])
    return len(new)


def usage_records_flush(*, batch_size: int = 1000, max_batches: int = 50) -> int:
    """Move metered calls from the Redis stream into the database; returns how many were stored."""
    return records_stream.consume(_store, batch_size=batch_size, max_batches=max_batches)
