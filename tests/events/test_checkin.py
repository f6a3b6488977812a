"""Check-in by code, QR link or the organiser; attendance, its activity and points once."""

from datetime import timedelta

import pytest
from django.urls import reverse

from community.activity.models import ActivityEvent
from community.events import services
from community.events.models import Registration
from community.rewards.models import PointsEntry
from tests.factories import UserFactory
from tests.support.activity import deliver

from .conftest import make_event


@pytest.fixture
def live_event(manager):
    """An event that started ten minutes ago (check-in open)."""
    return make_event(manager, publish_as=manager, starts_in=-timedelta(minutes=10))


def _points(user, rule):
    return list(PointsEntry.objects.filter(user=user, rule_key=rule).values_list("amount", flat=True))


def test_code_checkin_records_attendance_activity_and_points_once(client, live_event, user, manager):
    services.rsvp_register(user=user, event=live_event)
    client.force_login(user)
    url = reverse("events:checkin", kwargs={"slug": live_event.slug})
    assert client.post(url, {"code": "WRONG1"}).status_code == 400
    response = client.post(url, {"code": live_event.checkin_code.lower()})
    assert response.status_code == 302
    # The QR link (GET with the code) and a second POST change nothing.
    client.get(f"{url}?code={live_event.checkin_code}")
    client.post(url, {"code": live_event.checkin_code})
    services.attendance_mark(actor=manager, event=live_event, user_id=user.pk)
    deliver()
    deliver()
    registration = Registration.objects.get(event=live_event, user=user)
    assert registration.attended_at is not None and registration.attended_method == "code"
    attended = ActivityEvent.objects.filter(verb="event.attended")
    assert [(a.actor_id, a.properties["method"], a.properties["organiser"]) for a in attended] == [
        (user.pk, "code", manager.pk)
    ]
    assert _points(user, "event.attended") == [10]
    assert _points(manager, "event.hosted") == [2]


def test_qr_link_checks_in_a_registered_member(client, live_event, user):
    services.rsvp_register(user=user, event=live_event)
    client.force_login(user)
    url = reverse("events:checkin", kwargs={"slug": live_event.slug})
    response = client.get(f"{url}?code={live_event.checkin_code}")
    assert response.status_code == 302
    assert Registration.objects.get(user=user).attended_at is not None


def test_checkin_refused_outside_window_and_for_non_registered(manager, user, other_user):
    later = make_event(manager, publish_as=manager, starts_in=timedelta(hours=3))
    services.rsvp_register(user=user, event=later)
    with pytest.raises(services.EventError):
        services.checkin_with_code(user=user, event=later, code=later.checkin_code)
    live = make_event(manager, publish_as=manager, starts_in=-timedelta(minutes=5))
    with pytest.raises(services.EventError):
        services.checkin_with_code(user=other_user, event=live, code=live.checkin_code)
    deliver()
    assert not ActivityEvent.objects.filter(verb="event.attended").exists()


def test_organiser_marks_attendance_from_the_list(client, live_event, manager):
    members = [UserFactory() for _ in range(2)]
    for member in members:
        services.rsvp_register(user=member, event=live_event)
    client.force_login(manager)
    url = reverse("events:attendees", kwargs={"slug": live_event.slug})
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert live_event.checkin_code in html and "<svg" in html  # the code and its QR, inline
    client.post(url, {"user": members[0].pk})
    client.post(url, {"user": members[0].pk})
    client.post(url, {"user": "not-a-number"})
    deliver()
    assert [a.actor_id for a in ActivityEvent.objects.filter(verb="event.attended")] == [members[0].pk]
    assert Registration.objects.get(user=members[0]).attended_method == "organiser"
    assert _points(manager, "event.hosted") == [2]


def test_attendees_page_is_for_the_organiser_and_managers(client, live_event, user):
    client.force_login(user)
    assert client.get(reverse("events:attendees", kwargs={"slug": live_event.slug})).status_code == 404
    assert client.get(reverse("events:summary", kwargs={"slug": live_event.slug})).status_code == 404
    with pytest.raises(Exception):  # noqa: B017, PT011 - PermissionDenied
        services.attendance_mark(actor=user, event=live_event, user_id=user.pk)


def test_feedback_once_from_attendees_with_points_once(client, live_event, user, other_user):
    services.rsvp_register(user=user, event=live_event)
    services.rsvp_register(user=other_user, event=live_event)
    services.checkin_with_code(user=user, event=live_event, code=live_event.checkin_code)
    with pytest.raises(services.EventError):
        services.feedback_give(user=other_user, event=live_event, rating=5)  # did not attend
    client.force_login(user)
    url = reverse("events:feedback", kwargs={"slug": live_event.slug})
    client.post(url, {"rating": "9"})  # refused by the form
    client.post(url, {"rating": "4", "comment": "Great demos"})
    client.post(url, {"rating": "1", "comment": "again"})
    deliver()
    feedback = list(live_event.feedback.values_list("rating", "comment"))
    assert feedback == [(4, "Great demos")]
    given = ActivityEvent.objects.filter(verb="event.feedback.given")
    assert [(a.properties["rating"], a.properties["has_comment"]) for a in given] == [(4, True)]
    assert _points(user, "event.feedback") == [2]
    assert _points(other_user, "event.feedback") == []
