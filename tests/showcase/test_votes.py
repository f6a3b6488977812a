"""Votes: one per member per entry, a toggle, never on your own entry; +5 to the author
per vote (vote-capped), reversed when withdrawn, each exactly once."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from community.activity.models import ActivityEvent
from community.rewards.models import EntryKind, PointsEntry
from community.showcase import services
from community.showcase.models import Vote
from tests.showcase.conftest import deliver

pytestmark = pytest.mark.django_db


def test_a_vote_toggles(client, entry, voter):
    client.force_login(voter)
    url = reverse("showcase:vote", args=[entry.slug])
    assert client.post(url).status_code == 302
    entry.refresh_from_db()
    assert entry.vote_count == 1 and Vote.objects.filter(entry=entry, user=voter).count() == 1
    assert client.get(entry.get_absolute_url()).context["voted"] is True
    assert client.post(url).status_code == 302
    entry.refresh_from_db()
    assert entry.vote_count == 0 and not Vote.objects.exists()


def test_explicit_up_is_idempotent(entry, voter):
    assert services.entry_vote(user=voter, entry=entry, up=True) == (True, 1)
    assert services.entry_vote(user=voter, entry=entry, up=True) == (True, 1)
    assert services.entry_vote(user=voter, entry=entry, up=False) == (False, 0)
    assert services.entry_vote(user=voter, entry=entry, up=False) == (False, 0)
    deliver()
    assert ActivityEvent.objects.filter(verb="showcase.entry.voted").count() == 2


def test_no_vote_on_your_own_entry(client, entry, author):
    client.force_login(author)
    assert client.post(reverse("showcase:vote", args=[entry.slug])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.entry_vote(user=author, entry=entry)
    assert not Vote.objects.exists()


def test_login_is_needed_to_vote(client, entry):
    response = client.post(reverse("showcase:vote", args=[entry.slug]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Vote.objects.exists()


def test_vote_points_paid_once_and_reversed_on_withdrawal(entry, author, voter):
    """Vote, withdraw, vote again, each delivered twice: +5, -5, +5 for the author."""
    services.entry_vote(user=voter, entry=entry)
    deliver(times=2)
    services.entry_vote(user=voter, entry=entry)
    deliver(times=2)
    services.entry_vote(user=voter, entry=entry)
    deliver(times=2)
    rows = list(
        PointsEntry.objects.filter(user=author, rule_key="showcase.entry.upvoted")
        .order_by("id")
        .values_list("kind", "amount", "counterpart_id")
    )
    assert rows == [(EntryKind.AWARD, 5, voter.pk), (EntryKind.REVERSAL, -5, voter.pk), (EntryKind.AWARD, 5, voter.pk)]
    votes = ActivityEvent.objects.filter(verb="showcase.entry.voted").order_by("occurred_at")
    assert [(e.properties["value"], e.properties["withdrawn"]) for e in votes] == [(1, False), (-1, True), (1, False)]
    assert all(e.properties["entry_author"] == author.pk for e in votes)
