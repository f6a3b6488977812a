"""Usage metering, written behind the request path.

The gateway appends one entry per call to a Redis stream (``usage_record_enqueue``),
which outlives any web process. ``usage_records_flush`` (Celery beat, `default` queue)
reads the stream through a consumer group (``portal.streams``), inserts the records in
one transaction, charges each account's credits for them in the same transaction, and
only then acknowledges the entries. A flush that dies half-way leaves its entries
pending; the next flush claims them, skips request ids already stored, and never charges
twice.

Failed calls are metered too, with their error code and message; the name a client
sent as the model is kept apart (``requested_model``) and ``model_id`` names only a model
the gateway found. A key that opts in (``log_bodies_days``) has its calls' bodies kept in
``UsageRecordBody`` until they expire (``usage_bodies_purge``, Celery beat).

The activity stream hears about API use from here, never once per request:
``api.first_call`` when an account's first successful call is stored, and ``api.used``
once per account and clock hour, recorded from the stored records once the hour has
been over for ``ROLLUP_GRACE`` (records of an hour arrive over several flushes; one
stored later than that is metered and charged, but not counted in the activity).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.utils import timezone

from community.activity.services import activity_record
from portal.redis_client import get_redis
from portal.streams import DurableStream

from .models import UsageRecord, UsageRecordBody

logger = logging.getLogger(__name__)

STREAM = "atrium:usage:records"
GROUP = "usage-flush"
COST_QUANTUM = Decimal("0.000001")
records_stream = DurableStream(STREAM, group=GROUP)
# api.used rollups: an hour is rolled up once it has been over this long, and a flush
# looks back this many hours for one not rolled up yet (beat or workers were down).
ROLLUP_GRACE = timedelta(minutes=5)
ROLLUP_LOOKBACK_HOURS = 6
ROLLUP_DONE_KEY = "atrium:usage:api-used-rollup:{hour:%Y%m%d%H}"
# What one record keeps of what the client sent and got (longer text is cut).
REQUESTED_MODEL_MAX_CHARS = 200
ERROR_MESSAGE_MAX_CHARS = 500
BODY_MAX_CHARS = 32_768
TRUNCATED = "\n… (truncated)"


def _text(value, limit: int) -> str:
    """``value`` as text PostgreSQL stores: no NUL, no lone surrogate, at most ``limit`` chars."""
    text = str(value or "").replace("\x00", "\ufffd")
    return text.encode("utf-8", "replace").decode("utf-8")[:limit]


def usage_body_excerpt(text: str) -> str:
    """A request or response body as a record keeps it: at most BODY_MAX_CHARS characters."""
    if len(text) <= BODY_MAX_CHARS:
        return text
    return text[: BODY_MAX_CHARS - len(TRUNCATED)] + TRUNCATED


def body_retention_days(days) -> int:
    """The days a key asked for, within the site's limit (REQUEST_LOG_BODIES_MAX_DAYS)."""
    from django.conf import settings

    return max(0, min(int(days or 0), settings.REQUEST_LOG_BODIES_MAX_DAYS))


def usage_cost(*, price_per_1k_tokens, tokens: int) -> Decimal:
    return (Decimal(str(price_per_1k_tokens)) * tokens / 1000).quantize(COST_QUANTUM)


def usage_record_enqueue_on(pipe, **record) -> None:
    """Queue one call's record (plain ids and numbers; never a secret) on a Redis pipeline."""
    records_stream.append(record, pipe=pipe)


def usage_record_enqueue(**record) -> None:
    records_stream.append(record)


def _store(records: list[dict]) -> int:
    """Insert records not stored yet and charge their cost, all in one transaction."""
    from portal.apikeys.selectors import api_key_ids_existing
    from portal.apikeys.services import api_keys_mark_used
    from portal.billing.services import credits_charge

    by_id = {r["request_id"]: r for r in records}
    with transaction.atomic():
        stored = set(UsageRecord.objects.filter(request_id__in=by_id).values_list("request_id", flat=True))
        new = [
            UsageRecord(
                request_id=r["request_id"],
                user_id=r["user_id"],
                api_key_id=r.get("key_id"),
                model_id=_text(r.get("model"), REQUESTED_MODEL_MAX_CHARS),
                requested_model=_text(r.get("requested_model"), REQUESTED_MODEL_MAX_CHARS),
                endpoint=r["endpoint"],
                stream=bool(r.get("stream")),
                status_code=r["status"],
                error_code=_text(r.get("error_code"), 64),
                error_message=_text(r.get("error_message"), ERROR_MESSAGE_MAX_CHARS),
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
        live_keys = api_key_ids_existing(ids={r.api_key_id for r in new if r.api_key_id})
        for record in new:
            if record.api_key_id not in live_keys:
                record.api_key_id = None
        _first_calls_record(new)
        UsageRecord.objects.bulk_create(new)
        _bodies_store(new, by_id)
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
                    kind="usage",
                    allow_overdraft=True,
                )
        last_used = (
            UsageRecord.objects.filter(request_id__in=[r.request_id for r in new], api_key__isnull=False)
            .values("api_key")
            .annotate(last=Max("created_at"))
        )
        api_keys_mark_used(last_used={row["api_key"]: row["last"] for row in last_used})
    return len(new)


def _bodies_store(new: list[UsageRecord], by_id: dict[str, dict]) -> None:
    """Keep the bodies of the new records whose key opted in, until their retention ends."""
    bodies = []
    for record in new:
        raw = by_id[record.request_id]
        days = body_retention_days(raw.get("log_bodies_days"))
        if days and ("request_body" in raw or "response_body" in raw):
            bodies.append(
                UsageRecordBody(
                    record=record,
                    request_body=_text(raw.get("request_body"), BODY_MAX_CHARS),
                    response_body=_text(raw.get("response_body"), BODY_MAX_CHARS),
                    expires_at=record.created_at + timedelta(days=days),
                )
            )
    UsageRecordBody.objects.bulk_create(bodies)


def usage_bodies_purge(*, now: datetime | None = None) -> int:
    """Delete the request and response bodies whose retention is over; returns how many."""
    deleted, _by_model = UsageRecordBody.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def _first_calls_record(new: list[UsageRecord]) -> None:
    """``api.first_call`` for each account whose first successful call is among ``new``
    (before they are inserted); recorded when the caller's transaction commits."""
    firsts: dict[int, UsageRecord] = {}
    for record in sorted(new, key=lambda r: r.created_at):
        if not record.is_error:
            firsts.setdefault(record.user_id, record)
    if not firsts:
        return
    called_before = set(
        get_user_model()
        .objects.filter(pk__in=firsts)
        .filter(Exists(UsageRecord.objects.filter(user=OuterRef("pk"), status_code__lt=400)))
        .values_list("pk", flat=True)
    )
    for user_id, record in firsts.items():
        if user_id in called_before:
            continue
        activity_record(
            actor=user_id,
            verb="api.first_call",
            target=("apikeys.apikey", record.api_key_id) if record.api_key_id else None,
            properties={"endpoint": record.endpoint, "model": record.model_id},
            dedupe_key=f"api.first_call:{user_id}",
            occurred_at=record.created_at,
        )


def usage_hour_activity_record(*, hour: datetime) -> int:
    """Record ``api.used`` for every account that called /v1 in the clock hour starting at
    ``hour``, from the stored records; returns how many. Safe to repeat (dedupe keys)."""
    rows = (
        UsageRecord.objects.filter(created_at__gte=hour, created_at__lt=hour + timedelta(hours=1))
        .order_by()
        .values("user_id", "model_id")
        .annotate(
            requests=Count("pk"),
            errors=Count("pk", filter=Q(status_code__gte=400)),
            prompt_tokens=Sum("prompt_tokens"),
            completion_tokens=Sum("completion_tokens"),
        )
    )
    totals: dict[int, dict] = {}
    for row in rows:
        total = totals.setdefault(
            row["user_id"], {"requests": 0, "errors": 0, "prompt_tokens": 0, "completion_tokens": 0, "models": []}
        )
        for field in ("requests", "errors", "prompt_tokens", "completion_tokens"):
            total[field] += row[field]
        if row["model_id"]:
            total["models"].append(row["model_id"])
    for user_id, total in totals.items():
        activity_record(
            actor=user_id,
            verb="api.used",
            properties={"hour": hour.isoformat(), **total, "models": sorted(total["models"])},
            dedupe_key=f"api.used:{user_id}:{hour:%Y-%m-%dT%H}",
            occurred_at=hour,
        )
    return len(totals)


def usage_hours_activity_record(*, now: datetime | None = None) -> int:
    """Roll up each recent hour that has been over for ``ROLLUP_GRACE`` and is not rolled up
    yet (a Redis flag per hour; repeating one is harmless); returns how many activities."""
    now = now or timezone.now()
    latest = (now - ROLLUP_GRACE).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    hours = [latest - timedelta(hours=n) for n in range(ROLLUP_LOOKBACK_HOURS)]
    keys = [ROLLUP_DONE_KEY.format(hour=hour) for hour in hours]
    redis = get_redis()
    recorded = 0
    for hour, key, done in zip(hours, keys, redis.mget(keys), strict=True):
        if done is None:
            recorded += usage_hour_activity_record(hour=hour)
            redis.set(key, 1, ex=int(timedelta(hours=ROLLUP_LOOKBACK_HOURS + 1).total_seconds()))
    return recorded


def usage_records_flush(*, batch_size: int = 1000, max_batches: int = 50) -> int:
    """Move metered calls from the Redis stream into the database; returns how many were stored."""
    stored = records_stream.consume(_store, batch_size=batch_size, max_batches=max_batches)
    usage_hours_activity_record()
    return stored
