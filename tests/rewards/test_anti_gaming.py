"""Anti-gaming: the daily vote cap, self-votes, unverified members, linked accounts and
serial voting. Every refusal and reversal says why in the member's history."""

from datetime import UTC, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from community.rewards.linked import account_signal_record, accounts_linked
from community.rewards.models import AccountSignal, EntryKind, PointsEntry
from community.rewards.selectors import standing_of
from community.rewards.services import serial_votes_reverse
from tests.factories import UserFactory

from .conftest import deliver, payload, vote

pytestmark = pytest.mark.django_db


def reputation(user) -> int:
    return standing_of(user_id=user.pk).reputation


def test_points_from_votes_stop_at_200_a_day(author):
    """20 answer upvotes reach the cap; a 21st question upvote is refused whole, and the
    entry says so. Other rules (an accepted answer) are not capped."""
    voters = UserFactory.create_batch(21)
    deliver(*(vote(voter=v, author=author, post=100 + n) for n, v in enumerate(voters[:20])))
    assert reputation(author) == 200
    deliver(vote(voter=voters[20], author=author, post=200, is_question=True))
    assert reputation(author) == 200
    refused = PointsEntry.objects.get(user=author, kind=EntryKind.REFUSED)
    assert (refused.reason, refused.withheld) == ("Daily limit on points from votes reached.", 5)
    deliver(
        payload(
            verb="forum.answer.accepted",
            actor=voters[0],
            target=("forums.post", 101),
            properties={"answer_author": author.pk, "asker": voters[0].pk},
        )
    )
    assert reputation(author) == 215


@override_settings(REWARDS_VOTE_DAILY_CAP=15)
def test_an_award_that_crosses_the_cap_counts_up_to_it(author, voter, other_user):
    deliver(vote(voter=voter, author=author, post=1))
    deliver(vote(voter=other_user, author=author, post=2))
    assert reputation(author) == 15
    award, refused = PointsEntry.objects.filter(user=author).order_by("id")[1:]
    assert (award.kind, award.amount) == (EntryKind.AWARD, 5)
    assert (refused.kind, refused.withheld) == (EntryKind.REFUSED, 5)
    # Withdrawing that vote takes back what it earned, not the nominal 10.
    deliver(vote(voter=other_user, author=author, post=2, withdrawn=True))
    assert reputation(author) == 10


def test_yesterdays_votes_do_not_count_toward_todays_cap(author, voter):
    from community.rewards.services import points_award

    old = points_award(user_id=author.pk, rule="forum.answer.upvoted", cause="vote:1:x", amount=200)
    PointsEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    deliver(vote(voter=voter, author=author, post=2))
    assert reputation(author) == 210


def test_self_votes_earn_nothing(author):
    deliver(vote(voter=author, author=author, post=1))
    [entry] = PointsEntry.objects.filter(user=author)
    assert (entry.kind, entry.amount, entry.withheld) == (EntryKind.REFUSED, 0, 10)
    assert entry.reason == "No points from your own post or action."


@pytest.mark.parametrize("unverified", ["voter", "author"])
def test_vote_points_only_between_verified_members(unverified):
    author = UserFactory(verified=unverified != "author")
    voter = UserFactory(verified=unverified != "voter")
    deliver(vote(voter=voter, author=author, post=1))
    [entry] = PointsEntry.objects.filter(user=author)
    assert entry.kind == EntryKind.REFUSED
    assert entry.reason == "Vote points count only when both members have verified their email address."
    # An accepted answer is not a vote: it counts for unverified members.
    deliver(
        payload(
            verb="forum.answer.accepted",
            actor=voter,
            target=("forums.post", 1),
            properties={"answer_author": author.pk, "asker": voter.pk},
        )
    )
    assert reputation(author) == 15


def _seen(user, *, ip="", device="", signed_up=False, at=None):
    account_signal_record(
        user_id=user.pk, ip_hash=ip, device_hash=device, signed_up=signed_up, seen_at=at or timezone.now()
    )


def test_accounts_sharing_a_device_are_linked(author, voter):
    _seen(author, ip="ip-a", device="device-1", signed_up=True)
    _seen(voter, ip="ip-b", device="device-2", signed_up=True)
    assert not accounts_linked(user_id=author.pk, other_id=voter.pk)
    _seen(voter, ip="ip-c", device="device-1")  # a later login from the author's browser
    assert accounts_linked(user_id=author.pk, other_id=voter.pk)
    assert accounts_linked(user_id=voter.pk, other_id=author.pk)


def test_sign_ups_from_one_ip_within_a_day_are_linked(author, voter, other_user):
    now = timezone.now()
    _seen(author, ip="ip-a", device="d1", signed_up=True, at=now - timedelta(hours=30))
    _seen(voter, ip="ip-a", device="d2", signed_up=True, at=now - timedelta(hours=10))
    _seen(other_user, ip="ip-a", device="d3", signed_up=True, at=now)
    assert accounts_linked(user_id=voter.pk, other_id=other_user.pk)
    assert accounts_linked(user_id=other_user.pk, other_id=voter.pk)
    assert not accounts_linked(user_id=author.pk, other_id=other_user.pk)  # 30 hours apart
    # A login (not a sign-up) from the same IP links nothing: offices and cafés share IPs.
    _seen(author, ip="ip-a", device="d1", at=now)
    assert not accounts_linked(user_id=author.pk, other_id=other_user.pk)


def test_linked_accounts_earn_nothing_from_each_other(author, voter, other_user):
    _seen(author, ip="ip-a", device="device-1", signed_up=True)
    _seen(voter, ip="ip-b", device="device-1", signed_up=True)
    deliver(vote(voter=voter, author=author, post=1))
    deliver(
        payload(
            verb="forum.answer.accepted",
            actor=voter,
            target=("forums.post", 2),
            properties={"answer_author": author.pk, "asker": voter.pk},
        )
    )
    assert reputation(author) == reputation(voter) == 0
    reasons = set(PointsEntry.objects.filter(kind=EntryKind.REFUSED).values_list("reason", flat=True))
    assert reasons == {"These accounts look linked (same device, or same network at sign-up): no points between them."}
    # Someone else's vote still counts.
    deliver(vote(voter=other_user, author=author, post=1))
    assert reputation(author) == 10


PASSWORD = "a-much-longer-passphrase-2026"


def test_sign_ups_carry_keyed_hashes_and_a_device_cookie(client):
    """Two accounts made in one browser: each sign-up activity carries ip_hash and
    device_hash (never the raw values), the browser keeps one HttpOnly device cookie, and
    the rewards app sees the two accounts as linked."""
    from community.activity.models import ActivityEvent

    with override_settings(ACCOUNT_EMAIL_VERIFICATION="none"):
        response = client.post(
            reverse("account_signup"), {"email": "one@example.com", "password1": PASSWORD, "password2": PASSWORD}
        )
        cookie = response.cookies["atrium_device"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax" and int(cookie["max-age"]) >= 2 * 365 * 86400
        client.post(reverse("account_logout"))
        second = client.post(
            reverse("account_signup"), {"email": "two@example.com", "password1": PASSWORD, "password2": PASSWORD}
        )
        assert "atrium_device" not in second.cookies  # the browser keeps its id
    from tests.support.activity import deliver as deliver_committed

    deliver_committed()
    signups = list(ActivityEvent.objects.filter(verb="account.signed_up").order_by("occurred_at"))
    assert len(signups) == 2
    first, later = (event.properties for event in signups)
    assert first["device_hash"] == later["device_hash"] and len(first["device_hash"]) == 64
    assert cookie.value not in first["device_hash"] and "127.0.0.1" not in first["ip_hash"]
    users = [event.actor_id for event in signups]
    assert AccountSignal.objects.filter(user_id__in=users, signed_up=True).count() == 2
    assert accounts_linked(user_id=users[0], other_id=users[1])


def _votes(voter, author, posts, **kwargs):
    deliver(*(vote(voter=voter, author=author, post=post, **kwargs) for post in posts))


def test_serial_voting_is_reversed_with_its_reason_in_both_histories(author, voter, other_user):
    """Five votes from one voter to one author in a day are serial voting: the nightly job
    reverses their points; four from another voter stay. Running it again changes nothing."""
    _votes(voter, author, range(1, 6))
    _votes(other_user, author, range(11, 15))
    assert reputation(author) == 90
    today = timezone.now().astimezone(UTC).date()
    assert serial_votes_reverse(day=today) == 5
    assert serial_votes_reverse(day=today) == 0
    assert reputation(author) == 40
    reversals = PointsEntry.objects.filter(user=author, kind=EntryKind.REVERSAL)
    assert reversals.count() == 5
    assert set(reversals.values_list("reason", "counterpart")) == {
        ("Serial voting: many votes between the same two members in one day were reversed.", voter.pk)
    }
    [note] = PointsEntry.objects.filter(user=voter)
    assert (note.kind, note.amount, note.withheld, note.counterpart) == (EntryKind.REFUSED, 0, 50, author)
    assert note.reason.startswith("Serial voting")
    assert not PointsEntry.objects.filter(user=other_user).exists()


def test_serial_voting_counts_posts_not_repeated_votes(author, voter):
    for _ in range(3):
        _votes(voter, author, [1, 2])
        _votes(voter, author, [1, 2], withdrawn=True)
    _votes(voter, author, [1, 2, 3, 4])
    assert serial_votes_reverse(day=timezone.now().astimezone(UTC).date()) == 0
    assert reputation(author) == 40


def test_serial_voting_of_another_day_is_left_alone(author, voter):
    _votes(voter, author, range(1, 6))
    yesterday = timezone.now().astimezone(UTC).date() - timedelta(days=1)
    assert serial_votes_reverse(day=yesterday) == 0
    assert reputation(author) == 50


def test_the_nightly_job_is_scheduled():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "community.rewards.serial_votes_reverse" in tasks


@pytest.mark.django_db(transaction=True)
def test_the_worker_reverses_serial_voting(celery_worker):
    from community.rewards.tasks import serial_votes_reverse as task

    author, voter = UserFactory(), UserFactory()
    _votes(voter, author, range(1, 6))
    task.delay(day=timezone.now().astimezone(UTC).date().isoformat())
    deadline = timezone.now() + timedelta(seconds=60)
    while timezone.now() < deadline and reputation(author) != 0:
        import time

        time.sleep(0.2)
    assert reputation(author) == 0, celery_worker.output
