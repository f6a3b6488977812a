"""The activity stream: record what happened, store it, and let other apps react.

Recording (``activity_record``) is what a service does last, after its state change: it
fixes the activity's id and time, and once the caller's transaction commits appends it
to a Redis stream (a rolled-back change records nothing). The request path never touches
PostgreSQL for it.

``activity_events_flush`` (the beat task ``community.activity.flush``, every second on
the ``default`` queue) reads the stream through a consumer group (``portal.streams``),
inserts a batch (ignoring ids and dedupe keys stored already: delivery is at least once,
storage exactly once) together with one pending ``HandlerRun`` per registered handler,
runs those handlers, and only then acknowledges the entries. A consumer killed anywhere
in between leaves its entries pending; the next run claims them, stores nothing twice,
and runs only the handlers that have not succeeded, because a handler's effects and its
run's success commit together.
"""

from __future__ import annotations

import json
import logging
import traceback
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from portal.redis_client import get_redis
from portal.streams import DurableStream

from . import handlers
from .models import ActivityEvent, HandlerRun
from .verbs import verb_validate

logger = logging.getLogger(__name__)

STREAM = "atrium:activity:events"
GROUP = "activity-flush"
events_stream = DurableStream(STREAM, group=GROUP)

# A failing handler is tried again after 30 s, 2 min, 8 min, 32 min, then marked failed.
HANDLER_MAX_ATTEMPTS = 5
HANDLER_RETRY_BASE_SECONDS = 30
TARGET_ID_MAX_LENGTH = 64
DEDUPE_KEY_MAX_LENGTH = 200
# Runs of one handler taken in one transaction.
HANDLER_BATCH_SIZE = 500


def _target(target) -> tuple[str, str]:
    """("app_label.modelname", "pk") of a model instance, or a (type, id) pair as given."""
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk)
    target_type, target_id = target
    return str(target_type), str(target_id)


def activity_record(
    *,
    actor,
    verb: str,
    target=None,
    properties: dict | None = None,
    dedupe_key: str | None = None,
    occurred_at: datetime | None = None,
) -> uuid.UUID:
    """Record that ``actor`` did ``verb`` to ``target``, once the current transaction commits.

    ``actor`` is a user or a user id (or None, or an anonymous user); ``target`` a model instance or a
    ``(type, id)`` pair; ``properties`` plain JSON (ids, numbers, short strings; never a
    secret). Actions that may be recorded more than once for one real event (a retried
    request, a rollup) pass a ``dedupe_key``: the first one stored wins. Returns the
    activity's id. Mistakes (an unknown verb, properties that are not JSON) raise here.

    If Redis cannot take the entry after the commit, the activity is lost and the error
    logged: the user's action has already succeeded and is never failed for it.
    """
    payload = _payload(
        actor=actor,
        verb=verb,
        target=target,
        properties=properties,
        dedupe_key=dedupe_key,
        occurred_at=occurred_at,
    )
    transaction.on_commit(lambda: events_stream.append(payload), robust=True)
    return uuid.UUID(payload["id"])


def activities_record(records: Iterable[dict]) -> list[uuid.UUID]:
    """``activity_record`` for many activities at once (each a dict of its keyword
    arguments), appended to the stream in one round trip once the transaction commits:
    what a batch handler that causes an activity per member (badges) uses."""
    payloads = [_payload(**record) for record in records]
    if payloads:

        def append() -> None:
            with get_redis().pipeline(transaction=False) as pipe:
                for payload in payloads:
                    events_stream.append(payload, pipe=pipe)
                pipe.execute()

        transaction.on_commit(append, robust=True)
    return [uuid.UUID(payload["id"]) for payload in payloads]


def _payload(*, actor, verb, target=None, properties=None, dedupe_key=None, occurred_at=None) -> dict:
    """An activity as the stream carries it, checked (mistakes raise here, not in the consumer)."""
    verb_validate(verb)
    target_type, target_id = _target(target)
    if len(target_type) > TARGET_ID_MAX_LENGTH or len(target_id) > TARGET_ID_MAX_LENGTH:
        raise ValueError(f"activity target too long: {target_type!r} {target_id!r}")
    if dedupe_key is not None and len(dedupe_key) > DEDUPE_KEY_MAX_LENGTH:
        raise ValueError(f"dedupe_key longer than {DEDUPE_KEY_MAX_LENGTH} characters")
    return {
        "id": str(uuid.uuid4()),
        "actor_id": actor if isinstance(actor, int) else getattr(actor, "pk", None),
        "verb": verb,
        "target_type": target_type,
        "target_id": target_id,
        "properties": json.loads(json.dumps(properties or {})),  # TypeError now, not in the consumer
        "dedupe_key": dedupe_key,
        "occurred_at": (occurred_at or timezone.now()).isoformat(),
    }


def _event_from_payload(payload: dict) -> ActivityEvent | None:
    try:
        occurred_at = parse_datetime(payload["occurred_at"])
        if occurred_at is None:
            raise ValueError(payload["occurred_at"])
        return ActivityEvent(
            id=uuid.UUID(payload["id"]),
            actor_id=payload.get("actor_id"),
            verb=payload["verb"][: ActivityEvent._meta.get_field("verb").max_length],
            target_type=payload.get("target_type") or "",
            target_id=payload.get("target_id") or "",
            properties=payload.get("properties") or {},
            dedupe_key=payload.get("dedupe_key"),
            occurred_at=occurred_at,
        )
    except (KeyError, TypeError, ValueError):
        # Only a bug writes such an entry; keeping it would block its batch forever.
        logger.exception("activity stream: dropping a malformed entry %r", payload)
        return None


def _store(payloads: list[dict]) -> int:
    """Insert the activities not stored yet with a pending run per handler (one transaction),
    then run those handlers; returns how many activities were new."""
    events = [event for event in map(_event_from_payload, payloads) if event is not None]
    if not events:
        return 0
    ids = [event.id for event in events]
    now = timezone.now()
    with transaction.atomic():
        before = ActivityEvent.objects.filter(pk__in=ids).count()
        # An account deleted since the action keeps its activities, without an actor.
        actors = {event.actor_id for event in events if event.actor_id is not None}
        existing = set(get_user_model().objects.filter(pk__in=actors).values_list("pk", flat=True))
        for event in events:
            event.recorded_at = now
            if event.actor_id not in existing:
                event.actor_id = None
        ActivityEvent.objects.bulk_create(events, ignore_conflicts=True)
        # Stored: the new ones and those a dead consumer stored before; not an activity whose
        # dedupe key another one holds.
        stored = list(ActivityEvent.objects.filter(pk__in=ids).order_by("occurred_at", "pk").values_list("pk", "verb"))
        runs = [
            HandlerRun(activity_id=pk, handler=handler.name, next_attempt_at=now)
            for pk, verb in stored
            for handler in handlers.handlers_for(verb)
        ]
        HandlerRun.objects.bulk_create(runs, ignore_conflicts=True)
    handler_runs_process(activity_ids=[pk for pk, _verb in stored], known={event.id: event for event in events})
    return len(stored) - before


def activity_events_flush(*, batch_size: int = 500, max_batches: int = 20, claim_idle_ms: int | None = None) -> int:
    """Store recorded activities and run their handlers; then retry handlers that are due.

    Returns how many activities were stored. ``claim_idle_ms`` (default a minute) is how
    long an entry must sit unacknowledged with a consumer before another one takes it.
    """
    stored = events_stream.consume(_store, batch_size=batch_size, max_batches=max_batches, claim_idle_ms=claim_idle_ms)
    handler_runs_process()
    return stored


def handler_runs_process(
    *, activity_ids: list | None = None, now: datetime | None = None, limit: int = 1000, known: dict | None = None
) -> int:
    """Run the pending handler runs that are due (of ``activity_ids`` only, when given);
    returns how many ran. Concurrent consumers never run the same one at once.

    Runs are taken a handler at a time, up to ``HANDLER_BATCH_SIZE`` in one transaction: a
    batch handler gets them all in one call, any other handler one activity after another
    (each in a savepoint), and every run that succeeded is marked in one statement."""
    now = now or timezone.now()
    due = HandlerRun.objects.filter(status=HandlerRun.Status.PENDING, next_attempt_at__lte=now)
    if activity_ids is not None:
        due = due.filter(activity_id__in=activity_ids)
    by_handler: dict[str, list[int]] = {}
    activity_ids = set()
    for run_id, name, activity_id in due.order_by("id").values_list("pk", "handler", "activity_id")[:limit]:
        by_handler.setdefault(name, []).append(run_id)
        activity_ids.add(activity_id)
    # Read once for all their handlers (an activity never changes once stored; ``known``:
    # those the caller just stored, as they are in the table).
    activities = {pk: known[pk] for pk in activity_ids if pk in known} if known else {}
    unknown = activity_ids - activities.keys()
    if unknown:
        activities.update(ActivityEvent.objects.in_bulk(unknown))
    ran = 0
    for name, run_ids in by_handler.items():
        for start in range(0, len(run_ids), HANDLER_BATCH_SIZE):
            batch = run_ids[start : start + HANDLER_BATCH_SIZE]
            ran += _handler_runs(name=name, run_ids=batch, now=now, activities=activities)
    return ran


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=HANDLER_RETRY_BASE_SECONDS * 4 ** (attempts - 1))


def _call(handler, activities: list[ActivityEvent]) -> None:
    """One call of the handler in a savepoint: what it wrote is undone if it raises. A
    handler's texts are the same whichever request ran last in this thread (a test
    client's, a view that flushed): the site's language unless it picks one."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        if handler.batch:
            handler.func(activities)
        else:
            (activity,) = activities
            handler.func(activity)


def _constraints_now() -> None:
    """PostgreSQL checks Django's foreign keys at COMMIT (deferred): check them as each
    statement runs instead, so a handler that names a deleted account fails inside its
    savepoint, where its run is marked, not at the commit of the whole transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _runs_lock(run_ids: list[int], now: datetime, activities: dict) -> list[HandlerRun]:
    """The runs of ``run_ids`` still pending and due, locked (those another consumer holds
    are skipped), with their activities, oldest first."""
    runs = HandlerRun.objects.select_for_update(skip_locked=True).filter(
        pk__in=run_ids, status=HandlerRun.Status.PENDING, next_attempt_at__lte=now
    )
    runs = [run for run in runs if run.activity_id in activities]  # an activity purged meanwhile
    for run in runs:
        run.activity = activities[run.activity_id]
    runs.sort(key=lambda run: (run.activity.occurred_at, run.pk))
    return runs


def _runs_succeeded(run_ids: list[int]) -> None:
    HandlerRun.objects.filter(pk__in=run_ids).update(
        status=HandlerRun.Status.SUCCEEDED, attempts=F("attempts") + 1, finished_at=timezone.now(), last_error=""
    )


def _handler_runs(*, name: str, run_ids: list[int], now: datetime, activities: dict) -> int:
    """Run one handler on the activities of these runs (``activities``: by id); each run's
    effects and its outcome commit together. A batch handler takes them all in one
    transaction; any other handler, and a batch that raised, one run per transaction (as
    a run's locks are then held for one activity only, consumers never wait on each other
    across activities). Returns how many runs were taken (the others are done meanwhile,
    or another consumer holds them)."""
    handler = handlers.handler_get(name)
    if handler is not None and handler.batch and len(run_ids) > 1:
        try:
            with transaction.atomic():
                _constraints_now()
                # Ids only: a batch that succeeds needs nothing else of its runs.
                locked = HandlerRun.objects.select_for_update(skip_locked=True).filter(
                    pk__in=run_ids, status=HandlerRun.Status.PENDING, next_attempt_at__lte=now
                )
                runs = [(pk, activities[a]) for pk, a in locked.values_list("pk", "activity_id") if a in activities]
                if not runs:
                    return 0
                runs.sort(key=lambda run: (run[1].occurred_at, run[0]))
                _call(handler, [activity for _pk, activity in runs])
                _runs_succeeded([pk for pk, _activity in runs])
            return len(runs)
        except Exception:
            logger.warning("activity handler %s failed on a batch of %d: trying each alone", name, len(run_ids))
    return sum(
        _handler_run(handler=handler, name=name, run_id=run_id, now=now, activities=activities) for run_id in run_ids
    )


def _handler_run(*, handler, name: str, run_id: int, now: datetime, activities: dict) -> int:
    """One run in its own transaction: the handler's effects and the run's outcome."""
    with transaction.atomic():
        _constraints_now()
        runs = _runs_lock([run_id], now, activities)
        if not runs:
            return 0
        (run,) = runs
        try:
            if handler is None:
                raise LookupError(f"no activity handler named {name!r} is registered in this process")
            _call(handler, [run.activity])
        except Exception:
            logger.exception(
                "activity handler %s failed on %s %s (attempt %d of %d)",
                name,
                run.activity.verb,
                run.activity_id,
                run.attempts + 1,
                HANDLER_MAX_ATTEMPTS,
            )
            run.attempts += 1
            run.last_error = traceback.format_exc()[-4000:]
            if run.attempts >= HANDLER_MAX_ATTEMPTS:
                run.status = HandlerRun.Status.FAILED
                run.finished_at = timezone.now()
            else:
                run.next_attempt_at = now + _retry_delay(run.attempts)
            run.save(update_fields=["status", "attempts", "next_attempt_at", "last_error", "finished_at"])
        else:
            _runs_succeeded([run.pk])
    return 1
