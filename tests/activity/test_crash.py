"""A consumer killed mid-batch (SIGKILL, a real worker process) loses nothing, stores
nothing twice and runs no handler twice."""

import time

import pytest
from celery import current_app

from community.activity.models import ActivityEvent, HandlerRun
from community.activity.services import activity_events_flush, activity_record, events_stream
from portal.redis_client import get_redis
from tests.activity.handlers_for_tests import BLOCK_KEY, ENTERED_KEY, VERB
from tests.support.processes import start_celery_worker

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "activity-test"


def test_a_consumer_killed_between_a_handler_effect_and_the_ack_loses_nothing(user, test_handlers, effects):
    redis = get_redis()
    ids = [str(activity_record(actor=user, verb=VERB, properties={"n": n})) for n in range(3)]
    redis.set(BLOCK_KEY, 1)
    worker = start_celery_worker(app="tests.activity.worker_app", queues=QUEUE, concurrency=1, name="activity-consumer")
    try:
        current_app.send_task("community.activity.flush", queue=QUEUE)
        assert redis.blpop([ENTERED_KEY], timeout=60), worker.output
        # The worker is inside the second handler, on the first activity: the batch is
        # stored, the first handler's effects on all three committed (runs are taken a
        # handler at a time), the second's written but not committed, and no entry
        # acknowledged.
        assert ActivityEvent.objects.filter(pk__in=ids).count() == 3
        assert sorted(effects()) == sorted((activity_id, "tests.first") for activity_id in ids)
        assert events_stream.pending_count() == 3
        worker.kill()
    finally:
        worker.stop()
    redis.delete(BLOCK_KEY)

    # The next consumer takes the dead one's entries over (claim_idle_ms=0: no need to
    # wait the minute), until every handler has run; the killed worker's database session
    # may take a moment to end and release its lock on the run it held.
    deadline = time.monotonic() + 30
    while HandlerRun.objects.exclude(status=HandlerRun.Status.SUCCEEDED).exists() or events_stream.pending_count():
        assert time.monotonic() < deadline, "handler runs left pending"
        activity_events_flush(claim_idle_ms=0)
        time.sleep(0.05)

    assert sorted(ActivityEvent.objects.values_list("properties__n", flat=True)) == [0, 1, 2]
    expected = sorted((activity_id, name) for activity_id in ids for name in test_handlers)
    assert sorted(effects()) == expected
    assert HandlerRun.objects.count() == 9
    assert events_stream.pending_count() == 0 and redis.xlen(events_stream.name) == 0
