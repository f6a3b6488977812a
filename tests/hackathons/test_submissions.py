"""Submissions: a team member submits a showcase entry (a new one, labelled with the
hackathon, or one a teammate published) within the window only; one per team, replaceable
until the window closes; the submission is recorded and earns +20 once per team."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from community.activity.models import ActivityEvent
from community.hackathons import services
from community.hackathons.models import Submission
from community.rewards.models import PointsEntry
from tests.hackathons.conftest import entry, window
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db

NEW = services.NewEntry(
    title="Docs chat",
    tagline="Ask the docs",
    description="A chat over our docs.",
    url="https://example.org/docs-chat",
    repository_url="https://github.com/example/docs-chat",
    tags=("rag",),
)


@pytest.fixture
def team(hackathon, ada, bob):
    team = services.team_create(user=ada, hackathon=hackathon, name="Builders")
    services.team_join(user=bob, hackathon=hackathon, invite_code=team.invite_code)
    return team


@pytest.mark.parametrize("state", ["upcoming", "closed"])
def test_submissions_outside_the_window_are_refused(hackathon, team, ada, state):
    window(hackathon, state)
    message = "not opened yet" if state == "upcoming" else "closed"
    with pytest.raises(ValidationError, match=message):
        services.submission_submit(user=ada, hackathon=hackathon, new_entry=NEW)
    assert not Submission.objects.exists()


def test_submit_page_outside_the_window_says_so(client, hackathon, team, ada):
    window(hackathon, "closed")
    client.force_login(ada)
    url = reverse("hackathons:submit", kwargs={"hackathon_id": hackathon.pk})
    page = client.get(url).content.decode()
    assert "Submissions are closed." in page and 'id="submit-new"' not in page
    # A form posted anyway (an old tab) is a form error, not a 5xx.
    response = client.post(url, {"mode": "new", "new-title": "x", "new-tagline": "y", "new-description": "z"})
    assert response.status_code == 200 and not Submission.objects.exists()


def test_a_new_entry_is_published_with_the_hackathon_label_and_earns_points_once(hackathon, team, ada, bob):
    from community.showcase import selectors as showcase

    submission = services.submission_submit(user=ada, hackathon=hackathon, new_entry=NEW)
    published = showcase.entry_get(entry_id=submission.entry_id)
    assert published.author_id == ada.pk and published.title == "Docs chat"
    assert published.hackathon == hackathon.title
    deliver()
    # Replacing the entry (bob, the same team) is no second submission.
    other = entry(bob, title="Second try")
    services.submission_submit(user=bob, hackathon=hackathon, entry_id=other.pk)
    deliver()
    assert Submission.objects.get().entry_id == other.pk
    submitted = ActivityEvent.objects.filter(verb="hackathon.submitted")
    assert [(a.actor_id, a.properties["team"], a.properties["entry"]) for a in submitted] == [
        (ada.pk, team.pk, submission.entry_id)
    ]
    awards = PointsEntry.objects.filter(rule_key="hackathon.submitted")
    assert list(awards.values_list("user_id", "amount")) == [(ada.pk, 20)]


def test_only_entries_of_the_team_may_be_submitted(hackathon, team, ada, cy):
    outsider = entry(cy, title="Not theirs")
    with pytest.raises(ValidationError, match="member of your team"):
        services.submission_submit(user=ada, hackathon=hackathon, entry_id=outsider.pk)
    with pytest.raises(ValidationError, match="Join or create a team"):
        services.submission_submit(user=cy, hackathon=hackathon, entry_id=outsider.pk)
    assert not Submission.objects.exists()


def test_submit_page_publishes_and_submits(client, hackathon, team, ada):
    client.force_login(ada)
    url = reverse("hackathons:submit", kwargs={"hackathon_id": hackathon.pk})
    response = client.post(
        url,
        {
            "mode": "new",
            "new-title": "Voice notes",
            "new-tagline": "Transcribe and summarise",
            "new-description": "Uses the API.",
            "new-url": "https://example.org/voice",
            "new-tags": "audio, audio",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    submission = Submission.objects.get(team=team)
    detail = client.get(reverse("hackathons:detail", kwargs={"hackathon_id": hackathon.pk})).content.decode()
    assert "Voice notes" in detail and "Builders" in detail
    # Bad input is a form error: an entry that is not the team's, a model that does not exist.
    bad = client.post(url, {"mode": "existing", "existing-entry": "999999"})
    assert bad.status_code == 200 and Submission.objects.get().entry_id == submission.entry_id
    unknown = client.post(
        url,
        {
            "mode": "new",
            "new-title": "Ghost",
            "new-tagline": "Uses a model nobody hosts",
            "new-description": "x",
            "new-models": "no-such-model",
        },
    )
    assert unknown.status_code == 200 and "Unknown model: no-such-model." in unknown.content.decode()
    assert Submission.objects.get().entry_id == submission.entry_id


def test_member_without_a_team_is_sent_to_the_team_page(client, hackathon, cy):
    client.force_login(cy)
    response = client.get(reverse("hackathons:submit", kwargs={"hackathon_id": hackathon.pk}))
    assert response.status_code == 302 and response.url == reverse("hackathons:team", args=[hackathon.pk])
