"""Prizes: finalising pays each member of the winning teams, points through the rewards
ledger and credits through billing's, once per prize and member however often (or
however concurrently) it runs, and records hackathon.prize.awarded once each."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections
from django.urls import reverse

from community.activity.models import ActivityEvent
from community.hackathons import services
from community.hackathons.models import PrizeAward
from community.notifications.models import Notification
from community.rewards.models import PointsEntry
from community.rewards.selectors import standing_of
from portal.billing.models import CreditEntry
from portal.billing.services import credits_balance
from tests.hackathons.conftest import entry, hackathon_event, make_member, window
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db


def _setup(hackathon, manager):
    """Two teams (Alpha: ada and bob; Beta: cy), scored so that Alpha wins, all judged."""
    ada, bob, cy = (make_member(f"{n}@example.org", n) for n in ("ada", "bob", "cy"))
    alpha = services.team_create(user=ada, hackathon=hackathon, name="Alpha")
    services.team_join(user=bob, hackathon=hackathon, invite_code=alpha.invite_code)
    beta = services.team_create(user=cy, hackathon=hackathon, name="Beta")
    for user in (ada, cy):
        services.submission_submit(user=user, hackathon=hackathon, entry_id=entry(user, title=f"{user.pk} app").pk)
    window(hackathon, "closed")
    criteria = list(hackathon.criteria.all())
    for team, value in ((alpha, 9), (beta, 4)):
        team.refresh_from_db()
        services.scores_set(judge=manager, submission=team.submission, scores={c.pk: (value, "") for c in criteria})
    return ada, bob, cy


def _hackathon_points(user) -> int:
    return sum(
        PointsEntry.objects.filter(user=user, rule_key__startswith="hackathon.").values_list("amount", flat=True)
    )


def _assert_paid_once(ada, bob, cy, hackathon):
    assert sorted(PrizeAward.objects.values_list("user_id", "kind", "amount")) == sorted(
        [(ada.pk, "points", 300), (bob.pk, "points", 300), (cy.pk, "credits", 25)]
    )
    prizes = PointsEntry.objects.filter(rule_key="hackathon.prize")
    assert sorted(prizes.values_list("user_id", "amount")) == sorted([(ada.pk, 300), (bob.pk, 300)])
    assert list(CreditEntry.objects.filter(reference__startswith="hackathon:").values_list("user_id", "amount")) == [
        (cy.pk, Decimal("25"))
    ]
    awarded = ActivityEvent.objects.filter(verb="hackathon.prize.awarded")
    assert sorted(
        (a.actor_id, a.properties["place"], a.properties["kind"], a.properties["amount"]) for a in awarded
    ) == (sorted([(ada.pk, 1, "points", 300), (bob.pk, 1, "points", 300), (cy.pk, 2, "credits", 25)]))
    assert all(a.properties["hackathon"] == hackathon.pk for a in awarded)


def test_finalise_pays_points_and_credits_once_even_when_run_twice(client, hackathon, manager):
    ada, bob, cy = _setup(hackathon, manager)
    before = credits_balance(user=cy)
    services.hackathon_finalise(actor=manager, hackathon=hackathon)
    services.hackathon_finalise(actor=manager, hackathon=hackathon)
    client.force_login(manager)
    assert client.post(reverse("hackathons:finalise", kwargs={"hackathon_id": hackathon.pk})).status_code == 302
    deliver()
    _assert_paid_once(ada, bob, cy, hackathon)
    # In the members' balances: ada the prize and her submission's points, bob the prize.
    assert _hackathon_points(ada) == 300 + 20 and _hackathon_points(bob) == 300 and _hackathon_points(cy) == 20
    assert standing_of(user_id=bob.pk).balance == 300
    # The credits are in billing's balance, as the home page shows it.
    assert credits_balance(user=cy) == before + 25
    client.force_login(cy)
    home = client.get("/").content.decode()
    assert f'data-metric="balance">{before + 25:.4f}' in home
    results = client.get(reverse("hackathons:results", kwargs={"hackathon_id": hackathon.pk})).content.decode()
    assert "300 points" in results and "25 credits" in results
    # Each winner is told once.
    notices = Notification.objects.filter(kind="event", title__contains="won a prize")
    assert sorted((n.recipient_id, n.title) for n in notices) == sorted(
        [
            (ada.pk, f"Your team won a prize at “{hackathon.title}”: 300 points."),
            (bob.pk, f"Your team won a prize at “{hackathon.title}”: 300 points."),
            (cy.pk, f"Your team won a prize at “{hackathon.title}”: 25 credits."),
        ]
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_finalise_pays_each_prize_once(manager):
    from community.hackathons.models import Criterion, Prize, PrizeKind

    event = hackathon_event(organiser=manager)
    hackathon = window(services.hackathon_create(event_id=event.pk), "open")
    Criterion.objects.create(hackathon=hackathon, name="Impact")
    Prize.objects.create(hackathon=hackathon, place=1, kind=PrizeKind.POINTS, amount=300)
    Prize.objects.create(hackathon=hackathon, place=2, kind=PrizeKind.CREDITS, amount=25)
    ada, bob, cy = _setup(hackathon, manager)
    barrier = threading.Barrier(4)
    errors = []

    def finalise():
        try:
            barrier.wait()
            services.hackathon_finalise(actor=manager, hackathon=hackathon)
        except Exception as exc:  # noqa: BLE001 - any failure fails the test below
            errors.append(exc)
        finally:
            close_old_connections()

    runners = [threading.Thread(target=finalise) for _ in range(4)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert errors == []
    deliver()
    _assert_paid_once(ada, bob, cy, hackathon)
