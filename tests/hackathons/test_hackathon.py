"""A hackathon event, once published, has its hackathon (the window from the event's
times, tuned in the admin), and its event page links to the teams, submissions and results."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from community.hackathons import services
from community.hackathons.models import Hackathon
from tests.hackathons.conftest import hackathon_event
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db


def test_publishing_a_hackathon_event_creates_its_hackathon_once(manager):
    event = hackathon_event(organiser=manager, title="Spring hack")
    deliver()
    hackathon = Hackathon.objects.get(event_id=event.pk)
    assert (hackathon.title, hackathon.submissions_open_at, hackathon.submissions_close_at) == (
        "Spring hack",
        event.starts_at,
        event.ends_at,
    )
    assert services.hackathon_create(event_id=event.pk) == hackathon
    assert Hackathon.objects.count() == 1


def test_only_a_hackathon_event_has_a_hackathon(manager):
    from community.events import services as events

    event = events.event_create(
        organiser=manager,
        title="Meetup",
        kind="meetup",
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=2),
        timezone="UTC",
        venue="Berlin",
    )
    with pytest.raises(ValidationError):
        services.hackathon_create(event_id=event.pk)


def test_the_event_page_links_to_the_hackathon(client, event, hackathon):
    """The events app includes the section registered for hackathon events; others have none."""
    from community.events.sections import event_section_templates
    from community.events.selectors import event_url

    assert "hackathons/_event_section.html" in event_section_templates("hackathon")
    assert "hackathons/_event_section.html" not in event_section_templates("meetup")
    page = client.get(event_url(event))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="event-hackathon"' in html
    for name in ("detail", "team", "results"):
        assert reverse(f"hackathons:{name}", kwargs={"hackathon_id": hackathon.pk}) in html
