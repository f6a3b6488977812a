"""Concurrent writers, each on its own database connection: duplicate deliveries of one
activity pay once, and 20 concurrent spends with points for one spend exactly once."""

import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from community.activity.models import ActivityEvent
from community.rewards import handlers
from community.rewards.models import EntryKind, MemberStanding, PointsEntry
from community.rewards.selectors import standing_of
from community.rewards.services import InsufficientPoints, points_award, points_spend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20


def run_concurrently(func, n=THREADS) -> list:
    """Run ``func(i)`` in ``n`` threads released at once; returns results or exceptions."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i):
        try:
            barrier.wait()
            results[i] = func(i)
        except Exception as exc:  # reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def stored_vote(*, voter, author, post, withdrawn=False) -> ActivityEvent:
    return ActivityEvent.objects.create(
        id=uuid.uuid4(),
        actor=voter,
        verb="forum.post.voted",
        target_type="forums.post",
        target_id=str(post),
        occurred_at=timezone.now(),
        properties={
            "value": -1 if withdrawn else 1,
            "direction": "up",
            "withdrawn": withdrawn,
            "is_question": False,
            "category": 1,
            "post_author": author.pk,
        },
    )


def test_twenty_concurrent_deliveries_of_one_vote_award_once_and_reverse_once():
    """The handler itself (not only its HandlerRun) is idempotent: 20 threads run it on the
    same activity at once, then 20 on 20 separate activities of the same withdrawal."""
    author, voter = UserFactory(), UserFactory()
    up = stored_vote(voter=voter, author=author, post=1)
    results = run_concurrently(lambda i: handlers.votes([up]))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert list(PointsEntry.objects.filter(user=author).values_list("kind", "amount")) == [(EntryKind.AWARD, 10)]
    assert standing_of(user_id=author.pk).reputation == 10

    withdrawals = [stored_vote(voter=voter, author=author, post=1, withdrawn=True) for _ in range(THREADS)]
    results = run_concurrently(lambda i: handlers.votes([withdrawals[i]]))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert PointsEntry.objects.filter(user=author, kind=EntryKind.REVERSAL).count() == 1
    assert standing_of(user_id=author.pk).reputation == 0


@pytest.mark.parametrize(
    ("verb", "props"),
    [
        ("forum.answer.accepted", lambda author, actor: {"answer_author": author.pk, "asker": actor.pk}),
        ("account.email_verified", lambda author, actor: {}),
    ],
)
def test_twenty_concurrent_activities_for_one_cause_award_once(verb, props):
    """Twenty distinct activities that mean the same thing (a retried request recorded
    twice), handled at once by 20 consumers: one award."""
    author, actor = UserFactory(), UserFactory()
    if verb == "account.email_verified":
        actor = author
    events = [
        ActivityEvent.objects.create(
            id=uuid.uuid4(),
            actor=actor,
            verb=verb,
            target_type="forums.post",
            target_id="7",
            properties=props(author, actor),
            occurred_at=timezone.now(),
        )
        for _ in range(THREADS)
    ]
    func = (lambda event: handlers.accepts([event])) if verb.startswith("forum") else handlers.once
    results = run_concurrently(lambda i: func(events[i]))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert PointsEntry.objects.filter(user=author, kind=EntryKind.AWARD).count() == 1


def test_twenty_concurrent_first_entries_create_one_standing():
    member = UserFactory()
    results = run_concurrently(
        lambda i: points_award(user_id=member.pk, rule="forum.answer.upvoted", cause=f"vote:{i}:x", amount=1)
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert MemberStanding.objects.get(pk=member.pk).reputation == THREADS


def test_twenty_concurrent_spends_with_points_for_one():
    """Twenty different redemptions of 60 points race on a balance of 100: one succeeds,
    19 are refused, nothing else is written, the balance never goes below zero."""
    member = UserFactory()
    points_award(user_id=member.pk, rule="forum.answer.accepted", cause="accept:1", amount=100)
    results = run_concurrently(lambda i: points_spend(user_id=member.pk, amount=60, cause=f"store:{i}", note="x"))
    spent = [r for r in results if isinstance(r, PointsEntry)]
    refused = [r for r in results if isinstance(r, InsufficientPoints)]
    assert (len(spent), len(refused)) == (1, THREADS - 1), results
    assert PointsEntry.objects.filter(user=member, kind=EntryKind.SPEND).count() == 1
    assert MemberStanding.objects.get(pk=member.pk).balance == 40


def test_twenty_concurrent_retries_of_one_spend_spend_once():
    """A double click, a retry, two tabs: the same cause spends once and every caller gets
    that spend back."""
    member = UserFactory()
    points_award(user_id=member.pk, rule="forum.answer.accepted", cause="accept:1", amount=100)
    results = run_concurrently(lambda i: points_spend(user_id=member.pk, amount=60, cause="store:9", note="x"))
    assert {r.pk for r in results if isinstance(r, PointsEntry)} == {
        PointsEntry.objects.get(user=member, kind=EntryKind.SPEND).pk
    }, results
    assert MemberStanding.objects.get(pk=member.pk).balance == 40
