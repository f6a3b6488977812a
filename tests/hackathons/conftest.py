"""Hackathon fixtures: a published hackathon event (through the events app's services),
its hackathon with criteria and prizes, members, a manager who judges, and helpers to move
the submission window and publish showcase entries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from community.hackathons import services
from community.hackathons.models import Criterion, Hackathon, Prize, PrizeKind
from portal.accounts.roles import Role
from portal.accounts.services import user_set_role
from tests.factories import UserFactory
from tests.support.activity import deliver


def make_member(email: str, handle: str | None = None):
    user = UserFactory(email=email)
    user.date_joined = timezone.now() - timedelta(days=30)
    user.save(update_fields=["date_joined"])
    user.profile.handle = handle or email.split("@")[0].replace(".", "-")
    user.profile.save()
    return user


def hackathon_event(*, organiser, title: str = "Build with Atrium", publish: bool = True):
    from community.events import services as events

    now = timezone.now()
    event = events.event_create(
        organiser=organiser,
        title=title,
        kind="hackathon",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
        timezone="Europe/Berlin",
        online_url="https://meet.example.org/hack",
    )
    if publish:
        events.event_publish(actor=organiser, event=event)
    return event


def window(hackathon: Hackathon, state: str) -> Hackathon:
    """Move the hackathon's submission window so that it is "upcoming", "open" or "closed" now."""
    now = timezone.now()
    opens, closes = {
        "upcoming": (now + timedelta(hours=1), now + timedelta(days=1)),
        "open": (now - timedelta(hours=1), now + timedelta(days=1)),
        "closed": (now - timedelta(days=1), now - timedelta(minutes=1)),
    }[state]
    Hackathon.objects.filter(pk=hackathon.pk).update(submissions_open_at=opens, submissions_close_at=closes)
    hackathon.refresh_from_db()
    return hackathon


def entry(author, title: str = "Chat for docs", **extra):
    """A published showcase entry by ``author``."""
    from community.showcase import services as showcase

    fields = {
        "title": title,
        "tagline": "Answers from our docs",
        "description": "Built on the Atrium API.",
        "url": "https://example.org/app",
        "repository_url": "https://github.com/example/app",
        "tags": ["rag"],
        **extra,
    }
    return showcase.entry_create(author=author, **fields)


def vote(entry_, voters) -> None:
    from community.showcase import services as showcase

    for voter in voters:
        showcase.entry_vote(user=voter, entry=entry_)


@pytest.fixture
def manager(db):
    user = make_member("judge@example.org", "judge")
    user_set_role(user=user, role=Role.COMMUNITY_MANAGER)
    user.refresh_from_db()
    return user


@pytest.fixture
def event(manager):
    return hackathon_event(organiser=manager)


@pytest.fixture
def hackathon(event):
    hackathon = services.hackathon_create(event_id=event.pk, team_size_max=3, rules="Build **anything**.")
    Criterion.objects.create(hackathon=hackathon, name="Use of the API", position=1)
    Criterion.objects.create(hackathon=hackathon, name="Polish", position=2)
    Prize.objects.create(hackathon=hackathon, place=1, kind=PrizeKind.POINTS, amount=300)
    Prize.objects.create(hackathon=hackathon, place=2, kind=PrizeKind.CREDITS, amount=25)
    deliver()
    return window(hackathon, "open")


@pytest.fixture
def ada(db):
    return make_member("ada@example.org", "ada")


@pytest.fixture
def bob(db):
    return make_member("bob@example.org", "bob")


@pytest.fixture
def cy(db):
    return make_member("cy@example.org", "cy")
