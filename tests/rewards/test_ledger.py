"""The points ledger's services: awards, reversals, spends and refunds, each once."""

import uuid

import pytest
from django.core.exceptions import ValidationError

from community.rewards.models import EntryKind, PointsDay, PointsEntry, Rule
from community.rewards.selectors import Standing, points_earned_between, standing_of, standings_of
from community.rewards.services import (
    InsufficientPoints,
    points_award,
    points_refund,
    points_reverse,
    points_spend,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_default_rules_are_seeded_by_the_migration():
    """The issue's rules exist at their defaults before anything awards."""
    rules = dict(Rule.objects.values_list("key", "points"))
    assert rules["forum.answer.upvoted"] == 10
    assert rules["forum.question.upvoted"] == 5
    assert rules["forum.post.spam"] == -100
    assert Rule.objects.get(key="docs.feedback").daily_cap == 5
    assert Rule.objects.get(key="forum.answer.upvoted").vote_capped


def test_award_counts_once_per_cause_and_reversal_once(user, other_user):
    """A second award for the same cause writes nothing; the reversal undoes it once, after
    which the same cause may earn again (a vote given, withdrawn, given again)."""
    first = points_award(user_id=user.pk, rule="forum.answer.upvoted", cause="vote:1:2", counterpart_id=other_user.pk)
    assert first.amount == 10 and first.kind == EntryKind.AWARD
    assert points_award(user_id=user.pk, rule="forum.answer.upvoted", cause="vote:1:2") is None
    assert standing_of(user_id=user.pk).reputation == 10

    reversal = points_reverse(user_id=user.pk, rule="forum.answer.upvoted", cause="vote:1:2", reason="withdrawn")
    assert reversal.amount == -10 and reversal.reverses == first
    assert points_reverse(user_id=user.pk, rule="forum.answer.upvoted", cause="vote:1:2", reason="again") is None
    assert standing_of(user_id=user.pk) == Standing(user_id=user.pk, reputation=0, balance=0)

    again = points_award(user_id=user.pk, rule="forum.answer.upvoted", cause="vote:1:2", counterpart_id=other_user.pk)
    assert again.amount == 10
    assert standing_of(user_id=user.pk).reputation == 10


def test_one_entry_per_activity(user):
    """The same activity delivered twice awards once, even for a cause that was reversed."""
    activity = uuid.uuid4()
    assert points_award(user_id=user.pk, rule="api.first_call", cause="first_call", activity_id=activity)
    points_reverse(user_id=user.pk, rule="api.first_call", cause="first_call", reason="test")
    assert points_award(user_id=user.pk, rule="api.first_call", cause="first_call", activity_id=activity) is None
    assert PointsEntry.objects.filter(user=user, kind=EntryKind.AWARD).count() == 1


def test_rollups_follow_the_entries(user):
    """Each reputation entry lands in the member's daily rollup, by category."""
    points_award(user_id=user.pk, rule="forum.answer.accepted", cause="accept:1", category_id=7)
    points_award(user_id=user.pk, rule="api.first_call", cause="first_call")
    points_reverse(user_id=user.pk, rule="forum.answer.accepted", cause="accept:1", reason="test")
    days = {row.category_id: row.points for row in PointsDay.objects.filter(user=user)}
    assert days == {7: 0, 0: 10}
    points_award(user_id=user.pk, rule="forum.answer.accepted", cause="accept:2", category_id=7)
    [earner] = points_earned_between(start=PointsDay.objects.first().day, end=PointsDay.objects.first().day)
    assert (earner.user, earner.points) == (user, 25)


def test_spend_and_refund(user):
    """Spends take the balance, not reputation; a spend per cause; a refund once."""
    points_award(user_id=user.pk, rule="forum.answer.accepted", cause="accept:1")
    spend = points_spend(user_id=user.pk, amount=10, cause="store:1", note="credits")
    assert points_spend(user_id=user.pk, amount=10, cause="store:1", note="credits") == spend
    assert standing_of(user_id=user.pk).balance == 5
    assert standing_of(user_id=user.pk).reputation == 15
    with pytest.raises(InsufficientPoints) as refused:
        points_spend(user_id=user.pk, amount=6, cause="store:2", note="credits")
    assert refused.value.messages == ["Not enough points: 5 available, 6 needed."]
    assert not PointsEntry.objects.filter(cause="store:2").exists()
    refund = points_refund(user_id=user.pk, cause="store:1", reason="refused")
    assert refund.amount == 10
    assert points_refund(user_id=user.pk, cause="store:1", reason="refused") is None
    assert standings_of(user_ids=[user.pk])[user.pk].balance == 15


def test_entries_are_append_only(user):
    """An entry can be neither changed nor deleted."""
    entry = points_award(user_id=user.pk, rule="api.first_call", cause="first_call")
    entry.amount = 1000
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    assert PointsEntry.objects.get(pk=entry.pk).amount == 10


def test_unknown_user_writes_nothing():
    assert points_award(user_id=10**9, rule="api.first_call", cause="first_call") is None


def test_members_without_entries_stand_at_zero():
    member = UserFactory()
    assert standing_of(user_id=member.pk).reputation == 0
