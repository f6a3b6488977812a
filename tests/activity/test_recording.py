"""Recording: after commit only, once per dedupe key, exactly once under concurrency."""

import threading

import pytest
from django.db import connection, transaction

from community.activity.models import ActivityEvent, HandlerRun
from community.activity.selectors import activities_for_user, activity_counts
from community.activity.services import STREAM, activity_events_flush, activity_record
from portal.redis_client import get_redis
from tests.activity.handlers_for_tests import VERB
from tests.factories import UserFactory


@pytest.mark.django_db
def test_an_activity_is_stored_with_what_was_recorded(user, committed):
    """The id and occurrence time are fixed when the service records, not when it is stored."""
    with committed():
        activity_id = activity_record(
            actor=user, verb="apikey.created", target=("apikeys.apikey", 7), properties={"scopes": ["inference"]}
        )
    assert activity_events_flush() == 1
    event = ActivityEvent.objects.get()
    assert event.id == activity_id
    assert (event.actor, event.verb, event.target) == (user, "apikey.created", ("apikeys.apikey", "7"))
    assert event.properties == {"scopes": ["inference"]}
    assert event.occurred_at <= event.recorded_at
    assert activity_events_flush() == 0


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_records_nothing(user):
    with pytest.raises(RuntimeError), transaction.atomic():
        activity_record(actor=user, verb="account.logged_in")
        raise RuntimeError("the service's change failed")
    assert get_redis().xlen(STREAM) == 0
    with transaction.atomic():
        activity_record(actor=user, verb="account.logged_in")
        # Nothing reaches the stream before the commit.
        assert get_redis().xlen(STREAM) == 0
    assert get_redis().xlen(STREAM) == 1
    activity_events_flush()
    assert ActivityEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_retried_action_with_the_same_dedupe_key_is_stored_once(user, committed):
    """Two recordings of one action (a retried request), even in separate flushes."""
    with committed():
        activity_record(actor=user, verb="apikey.revoked", dedupe_key="apikey.revoked:1")
    activity_events_flush()
    with committed():
        activity_record(actor=user, verb="apikey.revoked", dedupe_key="apikey.revoked:1")
        activity_record(actor=user, verb="apikey.revoked", dedupe_key="apikey.revoked:1")
    assert activity_events_flush() == 0
    assert ActivityEvent.objects.filter(verb="apikey.revoked").count() == 1


def test_mistakes_fail_where_they_are_written():
    with pytest.raises(ValueError, match="unknown activity verb"):
        activity_record(actor=None, verb="forum.answer.acepted")
    with pytest.raises(TypeError):
        activity_record(actor=None, verb="account.logged_in", properties={"when": object()})
    with pytest.raises(ValueError, match="dedupe_key"):
        activity_record(actor=None, verb="account.logged_in", dedupe_key="x" * 201)
    assert get_redis().xlen(STREAM) == 0


@pytest.mark.django_db
def test_an_account_deleted_before_the_flush_leaves_its_activity_without_actor(committed):
    gone = UserFactory(email="gone@example.com")
    with committed():
        activity_record(actor=gone, verb="account.logged_in")
    gone.delete()
    activity_events_flush()
    assert ActivityEvent.objects.get().actor is None


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_writers_and_three_consumers_store_each_activity_exactly_once(user, test_handlers, effects):
    """50 threads record in their own transactions; three consumers flush in small batches
    at once; every activity is stored once and each handler reacts to it once."""
    start = threading.Barrier(50)
    errors = []

    def write(n: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                activity_record(actor=user.pk, verb=VERB, properties={"n": n})
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    writers = [threading.Thread(target=write, args=(n,)) for n in range(50)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    assert errors == []

    def consume() -> None:
        try:
            activity_events_flush(batch_size=7)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    consumers = [threading.Thread(target=consume) for _ in range(3)]
    for thread in consumers:
        thread.start()
    for thread in consumers:
        thread.join()
    assert errors == []
    stored = sorted(ActivityEvent.objects.values_list("properties__n", flat=True))
    assert stored == list(range(50))
    assert HandlerRun.objects.filter(status=HandlerRun.Status.SUCCEEDED, handler="tests.first").count() == 50
    assert [handler for _id, handler in effects()].count("tests.first") == 50


@pytest.mark.django_db
def test_selectors_scope_to_the_user_and_count_per_verb(user, other_user, committed):
    with committed():
        activity_record(actor=user, verb="account.logged_in")
        activity_record(actor=user, verb="account.logged_in")
        activity_record(actor=other_user, verb="account.logged_in")
        activity_record(actor=user, verb="apikey.created", target=("apikeys.apikey", 1))
    activity_events_flush()
    mine = activities_for_user(user=user)
    assert [a.actor_id for a in mine] == [user.pk] * 3
    assert [a.verb for a in activities_for_user(user=user, verbs=["apikey.created"])] == ["apikey.created"]
    since = ActivityEvent.objects.order_by("occurred_at").first().occurred_at
    assert activities_for_user(user=other_user, since=since).count() == 1
    counts = activity_counts(since=since)
    assert (counts["account.logged_in"].events, counts["account.logged_in"].actors) == (3, 2)
    assert activity_counts(since=since, actor=user)["account.logged_in"].events == 2
    assert set(activity_counts(since=since, verbs=["apikey.created"])) == {"apikey.created"}
