"""Handlers react once per activity; a failing one is retried, then marked failed for staff,
and never holds the others back."""

import logging

import pytest
from django.urls import reverse

from community.activity import handlers
from community.activity.models import HandlerRun
from community.activity.services import (
    HANDLER_MAX_ATTEMPTS,
    activity_events_flush,
    activity_record,
    handler_runs_process,
)
from portal.redis_client import get_redis
from tests.activity import handlers_for_tests
from tests.activity.handlers_for_tests import FLAKY_FAILURES_KEY, VERB

pytestmark = pytest.mark.django_db


def _runs(activity_id) -> dict[str, HandlerRun]:
    return {run.handler: run for run in HandlerRun.objects.filter(activity_id=activity_id)}


def test_handlers_run_once_per_activity_in_registration_order(user, test_handlers, effects, committed):
    with committed():
        activity_id = activity_record(actor=user, verb=VERB)
        activity_record(actor=user, verb="apikey.revoked")  # no handler listens
    activity_events_flush()
    activity_events_flush()
    assert effects() == [
        (str(activity_id), "tests.first"),
        (str(activity_id), "tests.flaky"),
        (str(activity_id), "tests.second"),
    ]
    runs = _runs(activity_id)
    assert {name: run.status for name, run in runs.items()} == dict.fromkeys(test_handlers, HandlerRun.Status.SUCCEEDED)
    assert runs["tests.first"].pk < runs["tests.second"].pk < runs["tests.flaky"].pk
    assert HandlerRun.objects.count() == 3


def test_a_failing_handler_is_retried_later_and_does_not_block_the_others(
    user, test_handlers, effects, committed, caplog
):
    get_redis().set(FLAKY_FAILURES_KEY, 1)
    with committed():
        activity_id = activity_record(actor=user, verb=VERB)
    with caplog.at_level(logging.ERROR, logger="community.activity.services"):
        activity_events_flush()
    runs = _runs(activity_id)
    flaky = runs["tests.flaky"]
    assert (flaky.status, flaky.attempts) == (HandlerRun.Status.PENDING, 1)
    assert "failing on purpose" in flaky.last_error
    assert "activity handler tests.flaky failed" in caplog.text
    assert runs["tests.first"].status == runs["tests.second"].status == HandlerRun.Status.SUCCEEDED
    assert (str(activity_id), "tests.flaky") not in effects()
    # Not before its backoff is over; then once.
    assert handler_runs_process() == 0
    assert handler_runs_process(now=flaky.next_attempt_at) == 1
    flaky.refresh_from_db()
    assert (flaky.status, flaky.attempts, flaky.last_error) == (HandlerRun.Status.SUCCEEDED, 2, "")
    assert effects().count((str(activity_id), "tests.flaky")) == 1


def test_a_handler_that_keeps_failing_is_marked_failed_and_shown_to_staff(client, manager, user, committed):
    handlers.register(verbs=[VERB], name="tests.always_fails", func=handlers_for_tests.always_fails)
    try:
        with committed():
            activity_id = activity_record(actor=user, verb=VERB)
        activity_events_flush()
        run = HandlerRun.objects.get(activity_id=activity_id)
        while run.status == HandlerRun.Status.PENDING:
            assert handler_runs_process(now=run.next_attempt_at) == 1
            run.refresh_from_db()
    finally:
        handlers.unregister("tests.always_fails")
    assert (run.status, run.attempts) == (HandlerRun.Status.FAILED, HANDLER_MAX_ATTEMPTS)
    assert "always fails" in run.last_error
    assert handler_runs_process(now=run.next_attempt_at) == 0

    client.force_login(manager)
    page = client.get(reverse("admin:activity_handlerrun_changelist"), {"status__exact": "failed"})
    assert page.status_code == 200
    assert b"tests.always_fails" in page.content
    detail = client.get(reverse("admin:activity_handlerrun_change", args=[run.pk]))
    assert b"this handler always fails" in detail.content


def test_handler_names_are_unique_and_verbs_known():
    with pytest.raises(ValueError, match="unknown activity verb"):
        handlers.register(verbs=["forum.answer.acceptd"], name="tests.typo", func=handlers_for_tests.first)
    handlers.register(verbs=[VERB], name="tests.unique", func=handlers_for_tests.first)
    try:
        with pytest.raises(ValueError, match="is taken"):
            handlers.register(verbs=[VERB], name="tests.unique", func=handlers_for_tests.second)
    finally:
        handlers.unregister("tests.unique")


def test_the_admin_only_reads_the_stream(client, manager, user, committed):
    from django.contrib.admin import site

    from community.activity.models import ActivityEvent

    with committed():
        activity_record(actor=user, verb="account.logged_in")
    activity_events_flush()
    client.force_login(manager)
    assert (
        client.get(reverse("admin:activity_activityevent_changelist"), {"verb": "account.logged_in"}).status_code == 200
    )
    request = client.get(reverse("admin:activity_activityevent_changelist")).wsgi_request
    for model in (ActivityEvent, HandlerRun):
        model_admin = site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def _batch_handler(seen: list, poison: str | None = None):
    """A batch handler that records each call's activities (in order), writing an effect per
    activity; an activity whose property ``n`` is ``poison`` makes it raise."""

    def handle(activities) -> None:
        seen.append([activity.properties["n"] for activity in activities])
        for activity in activities:
            if activity.properties["n"] == poison:
                raise RuntimeError("poisoned activity")
            handlers_for_tests._effect(activity, "tests.batch")

    return handle


def test_a_batch_handler_gets_the_activities_together_in_the_order_they_happened(user, effects, committed):
    from datetime import timedelta

    from django.utils import timezone

    seen = []
    handlers.register(verbs=[VERB], name="tests.batch", func=_batch_handler(seen), batch=True)
    try:
        now = timezone.now()
        with committed():
            ids = [
                activity_record(actor=user, verb=VERB, properties={"n": n}, occurred_at=now - timedelta(seconds=ago))
                for ago, n in enumerate(("a", "b", "c"))
            ]
        activity_events_flush()
    finally:
        handlers.unregister("tests.batch")
    assert seen == [["c", "b", "a"]]  # one call, oldest first
    assert sorted(effects()) == sorted((str(activity_id), "tests.batch") for activity_id in ids)
    statuses = HandlerRun.objects.filter(handler="tests.batch").values_list("status", "attempts")
    assert sorted(statuses) == [(HandlerRun.Status.SUCCEEDED, 1)] * 3


def test_a_batch_that_raises_is_tried_an_activity_at_a_time_and_only_the_bad_one_waits(
    user, effects, committed, caplog
):
    seen = []
    handlers.register(verbs=[VERB], name="tests.batch", func=_batch_handler(seen, poison="b"), batch=True)
    try:
        with committed():
            ids = {n: activity_record(actor=user, verb=VERB, properties={"n": n}) for n in ("a", "b", "c")}
        with caplog.at_level(logging.WARNING, logger="community.activity.services"):
            activity_events_flush()
    finally:
        handlers.unregister("tests.batch")
    assert sorted(seen[0]) == ["a", "b", "c"] and sorted(seen[1:]) == [["a"], ["b"], ["c"]]
    # The failed batch wrote nothing; each good activity then committed its effect once.
    assert sorted(effects()) == sorted([(str(ids["a"]), "tests.batch"), (str(ids["c"]), "tests.batch")])
    runs = {run.activity_id: run for run in HandlerRun.objects.filter(handler="tests.batch")}
    assert runs[ids["a"]].status == runs[ids["c"]].status == HandlerRun.Status.SUCCEEDED
    bad = runs[ids["b"]]
    assert (bad.status, bad.attempts) == (HandlerRun.Status.PENDING, 1) and "poisoned activity" in bad.last_error
    assert "trying each alone" in caplog.text


def test_run_selectors_tell_what_is_due_and_what_did_not_succeed(user, test_handlers, effects, committed):
    from django.utils import timezone

    from community.activity.selectors import handler_run_last_id, handler_runs_after, handler_runs_due

    mark = handler_run_last_id()
    get_redis().set(FLAKY_FAILURES_KEY, 1)
    with committed():
        activity_record(actor=user, verb=VERB)
    activity_events_flush()
    assert handler_runs_after(run_id=mark) == (3, 1)  # tests.flaky waits for its retry
    assert not handler_runs_due(now=timezone.now())
    flaky = HandlerRun.objects.get(handler="tests.flaky")
    assert handler_runs_due(now=flaky.next_attempt_at)
    assert handler_run_last_id() == HandlerRun.objects.order_by("-pk").first().pk
