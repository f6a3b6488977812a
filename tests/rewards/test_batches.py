"""A batch of votes handled together (``points_apply``) writes exactly what the same votes
handled one at a time would: in order, each checked against the ones before it."""

import uuid

from django.utils import timezone

from community.rewards.models import EntryKind, PointsEntry
from community.rewards.selectors import standing_of
from tests.factories import UserFactory

from .conftest import deliver, vote


def kinds(user) -> list[tuple[str, int, int]]:
    return list(PointsEntry.objects.filter(user=user).order_by("id").values_list("kind", "amount", "withheld"))


def test_a_vote_withdrawn_and_given_again_within_one_batch(author, voter):
    up = vote(voter=voter, author=author, post=1)
    deliver(up, vote(voter=voter, author=author, post=1, withdrawn=True), vote(voter=voter, author=author, post=1), up)
    assert kinds(author) == [(EntryKind.AWARD, 10, 0), (EntryKind.REVERSAL, -10, 0), (EntryKind.AWARD, 10, 0)]
    reversal = PointsEntry.objects.get(user=author, kind=EntryKind.REVERSAL)
    assert reversal.reverses == PointsEntry.objects.filter(user=author, kind=EntryKind.AWARD).order_by("id").first()
    assert standing_of(user_id=author.pk).reputation == 10


def test_the_daily_vote_cap_counts_the_batch_s_own_awards(author, settings):
    settings.REWARDS_VOTE_DAILY_CAP = 25
    voters = [UserFactory() for _ in range(4)]
    deliver(*(vote(voter=member, author=author, post=n) for n, member in enumerate(voters)))
    assert kinds(author) == [
        (EntryKind.AWARD, 10, 0),
        (EntryKind.AWARD, 10, 0),
        (EntryKind.AWARD, 5, 0),
        (EntryKind.REFUSED, 0, 5),
        (EntryKind.REFUSED, 0, 10),
    ]
    standing = standing_of(user_id=author.pk)
    assert (standing.reputation, standing.balance) == (25, 25)


def test_many_members_in_one_batch_each_get_their_own_sums(voter):
    authors = [UserFactory() for _ in range(30)]
    deliver(*(vote(voter=voter, author=member, post=n) for n, member in enumerate(authors)))
    assert [standing_of(user_id=member.pk).reputation for member in authors] == [10] * 30
    assert PointsEntry.objects.filter(kind=EntryKind.AWARD).count() == 30


def test_a_vote_by_an_account_deleted_before_its_batch_ran_counts_for_nothing(author):
    """Stored while the voter existed, handled after the account was deleted: no entry can
    name them (the foreign key), and a deleted account's votes earn nothing."""
    from community.activity.models import ActivityEvent
    from community.rewards import handlers

    gone, kept = UserFactory(), UserFactory()
    stored = [
        ActivityEvent.objects.create(id=uuid.uuid4(), actor=member, occurred_at=timezone.now(), **fields(author, n))
        for n, member in enumerate((gone, kept))
    ]
    gone_id = gone.pk
    gone.delete()
    stored[0].actor_id = gone_id  # as the consumer held it in memory
    handlers.votes(stored)
    assert kinds(author) == [(EntryKind.AWARD, 10, 0)]


def fields(author, n) -> dict:
    body = vote(voter=author, author=author, post=n)
    return {"verb": body["verb"], "target_type": "forums.post", "target_id": str(n), "properties": body["properties"]}


def test_the_member_rows_a_batch_locks_are_its_own_never_the_accounts(author, django_assert_max_num_queries):
    """Locking standings must not lock the members' user rows (a join in FOR UPDATE would):
    every vote, login and post of those members would wait for the batch, and two
    consumers voting each other's way would deadlock on them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from community.rewards.services import _standings_lock

    with CaptureQueriesContext(connection) as queries:
        _standings_lock([author.pk])
    locks = [query["sql"] for query in queries.captured_queries if "FOR UPDATE" in query["sql"]]
    assert locks and not [sql for sql in locks if "accounts_user" in sql]
