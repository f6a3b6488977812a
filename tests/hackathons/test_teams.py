"""Teams: the creator is captain, others join with the invite code, one team per member
and hackathon, the size limit holds when many join at once, and teams are fixed once
submissions close."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections
from django.urls import reverse

from community.activity.models import ActivityEvent
from community.hackathons import services
from community.hackathons.models import Team, TeamMember
from tests.hackathons.conftest import make_member, window
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db


def test_creator_is_captain_and_teammates_join_with_the_code(hackathon, ada, bob):
    team = services.team_create(user=ada, hackathon=hackathon, name="Night owls")
    assert team.captain_id == ada.pk and len(team.invite_code) == 8
    services.team_join(user=bob, hackathon=hackathon, invite_code=team.invite_code.lower())
    assert list(team.memberships.values_list("user_id", flat=True)) == [ada.pk, bob.pk]
    deliver()
    joined = ActivityEvent.objects.filter(verb="hackathon.team.joined").order_by("occurred_at")
    assert [(a.actor_id, a.properties["created"], a.properties["team"]) for a in joined] == [
        (ada.pk, True, team.pk),
        (bob.pk, False, team.pk),
    ]
    assert joined[0].properties["event"] == hackathon.event_id


def test_one_team_per_member(hackathon, ada, bob):
    first = services.team_create(user=ada, hackathon=hackathon, name="First")
    second = services.team_create(user=bob, hackathon=hackathon, name="Second")
    with pytest.raises(ValidationError, match="already in a team"):
        services.team_join(user=ada, hackathon=hackathon, invite_code=second.invite_code)
    with pytest.raises(ValidationError, match="already in a team"):
        services.team_create(user=bob, hackathon=hackathon, name="Third")
    assert TeamMember.objects.filter(user=ada).values_list("team_id", flat=True).get() == first.pk
    with pytest.raises(ValidationError):
        services.team_create(user=make_member("d@example.org"), hackathon=hackathon, name="first")  # names unique


def test_a_full_team_refuses_the_next_member(hackathon, ada, bob, cy):
    team = services.team_create(user=ada, hackathon=hackathon, name="Trio")  # limit 3
    services.team_join(user=bob, hackathon=hackathon, invite_code=team.invite_code)
    services.team_join(user=cy, hackathon=hackathon, invite_code=team.invite_code)
    with pytest.raises(ValidationError, match="full"):
        services.team_join(user=make_member("d@example.org"), hackathon=hackathon, invite_code=team.invite_code)
    assert team.memberships.count() == 3


def test_leaving_passes_the_captaincy_and_the_last_member_dissolves_the_team(hackathon, ada, bob):
    team = services.team_create(user=ada, hackathon=hackathon, name="Pair")
    services.team_join(user=bob, hackathon=hackathon, invite_code=team.invite_code)
    services.team_leave(user=ada, hackathon=hackathon)
    team.refresh_from_db()
    assert team.captain_id == bob.pk and team.memberships.count() == 1
    services.team_leave(user=bob, hackathon=hackathon)
    assert not Team.objects.filter(pk=team.pk).exists()


def test_teams_are_fixed_once_submissions_close(hackathon, ada, bob):
    team = services.team_create(user=ada, hackathon=hackathon, name="Late")
    window(hackathon, "closed")
    with pytest.raises(ValidationError, match="closed"):
        services.team_join(user=bob, hackathon=hackathon, invite_code=team.invite_code)
    with pytest.raises(ValidationError, match="closed"):
        services.team_leave(user=ada, hackathon=hackathon)
    with pytest.raises(ValidationError, match="closed"):
        services.team_create(user=bob, hackathon=hackathon, name="Later")


def test_team_page_creates_joins_and_shows_errors_as_form_errors(client, hackathon, ada, bob):
    client.force_login(ada)
    url = reverse("hackathons:team", kwargs={"hackathon_id": hackathon.pk})
    response = client.post(url, {"action": "create", "create-name": "Pixels"})
    assert response.status_code == 302
    team = Team.objects.get(name="Pixels")
    page = client.get(url).content.decode()
    assert team.invite_code in page and "@ada" in page
    client.force_login(bob)
    bad = client.post(url, {"action": "join", "join-invite_code": "NOPE1234"})
    assert bad.status_code == 200 and "No team of this hackathon has this invite code." in bad.content.decode()
    assert client.post(url, {"action": "join", "join-invite_code": team.invite_code}).status_code == 302
    assert team.memberships.count() == 2
    # Anonymous visitors are sent to log in; a hackathon of an unpublished event is a 404.
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_twelve_concurrent_joins_fill_a_team_of_three_and_no_more(manager):
    from tests.hackathons.conftest import hackathon_event

    event = hackathon_event(organiser=manager)
    hackathon = window(services.hackathon_create(event_id=event.pk, team_size_max=3), "open")
    captain = make_member("captain@example.org")
    team = services.team_create(user=captain, hackathon=hackathon, name="Crowded")
    joiners = [make_member(f"joiner{n}@example.org") for n in range(12)]
    barrier = threading.Barrier(len(joiners))
    outcomes = []

    def join(user):
        try:
            barrier.wait()
            services.team_join(user=user, hackathon=hackathon, invite_code=team.invite_code)
            outcomes.append("joined")
        except ValidationError:
            outcomes.append("refused")
        finally:
            close_old_connections()

    runners = [threading.Thread(target=join, args=(user,)) for user in joiners]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert sorted(outcomes) == ["joined"] * 2 + ["refused"] * 10
    assert TeamMember.objects.filter(team=team).count() == 3


@pytest.mark.django_db(transaction=True)
def test_one_member_joining_two_teams_at_once_ends_in_one(manager):
    from tests.hackathons.conftest import hackathon_event

    event = hackathon_event(organiser=manager)
    hackathon = window(services.hackathon_create(event_id=event.pk, team_size_max=5), "open")
    teams = [
        services.team_create(user=make_member(f"c{n}@example.org"), hackathon=hackathon, name=f"T{n}") for n in range(4)
    ]
    racer = make_member("racer@example.org")
    barrier = threading.Barrier(len(teams))
    outcomes = []

    def join(team):
        try:
            barrier.wait()
            services.team_join(user=racer, hackathon=hackathon, invite_code=team.invite_code)
            outcomes.append("joined")
        except ValidationError:
            outcomes.append("refused")
        finally:
            close_old_connections()

    runners = [threading.Thread(target=join, args=(team,)) for team in teams]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert sorted(outcomes) == ["joined"] + ["refused"] * 3
    assert TeamMember.objects.filter(user=racer).count() == 1
