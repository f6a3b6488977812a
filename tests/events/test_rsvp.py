from datetime import timedelta

import pytest
from django.core import mail

from community.events import services
from community.events.models import EventStatus, Registration, RegistrationStatus
from community.notifications.models import Notification
from tests.factories import UserFactory
from tests.support.activity import deliver

from .conftest import make_event


def test_places_then_waitlist_in_order(event):
    """The first ten take the places; the next join the waitlist in the order they came."""
    members = [UserFactory() for _ in range(13)]
    statuses = [services.rsvp_register(user=m, event=event).status for m in members]
    assert statuses == [RegistrationStatus.REGISTERED] * 10 + [RegistrationStatus.WAITLISTED] * 3
    # Registering again changes nothing.
    assert services.rsvp_register(user=members[0], event=event).status == RegistrationStatus.REGISTERED
    assert Registration.objects.filter(event=event).count() == 13


def test_cancel_promotes_first_on_waitlist_and_mails_them(event, eager_tasks):
    members = [UserFactory() for _ in range(12)]
    for member in members:
        services.rsvp_register(user=member, event=event)
    deliver()
    mail.outbox.clear()
    services.rsvp_cancel(user=members[3], event=event)
    deliver()
    status = dict(Registration.objects.filter(event=event).values_list("user_id", "status"))
    assert status[members[3].pk] == RegistrationStatus.CANCELLED
    assert status[members[10].pk] == RegistrationStatus.REGISTERED  # first on the waitlist
    assert status[members[11].pk] == RegistrationStatus.WAITLISTED
    assert [m.to for m in mail.outbox] == [[members[10].email]]
    assert "LoRA night" in mail.outbox[0].subject
    assert Notification.objects.filter(recipient=members[10], kind="event").count() == 1
    # Leaving the waitlist promotes no one and mails no one.
    services.rsvp_cancel(user=members[11], event=event)
    deliver()
    assert len(mail.outbox) == 1
    assert Registration.objects.filter(event=event, status=RegistrationStatus.REGISTERED).count() == 10


def test_unpublished_or_past_events_take_no_registrations(manager, user):
    draft = make_event(manager)
    with pytest.raises(services.EventError):
        services.rsvp_register(user=user, event=draft)
    past = make_event(manager, publish_as=manager, starts_in=-timedelta(hours=3), hours=1)
    with pytest.raises(services.EventError):
        services.rsvp_register(user=user, event=past)


def test_proposer_goes_to_review_and_manager_publishes(manager, user):
    services.event_proposer_set(user=user, allowed=True)
    event = make_event(user)
    event = services.event_publish(actor=user, event=event)
    assert event.status == EventStatus.IN_REVIEW
    deliver()
    from community.activity.models import ActivityEvent

    assert not ActivityEvent.objects.filter(verb="event.published").exists()
    event = services.event_publish(actor=manager, event=event)
    assert event.status == EventStatus.PUBLISHED
    services.event_publish(actor=manager, event=event)
    deliver()
    published = ActivityEvent.objects.filter(verb="event.published")
    assert [(a.actor_id, a.properties["event"]) for a in published] == [(user.pk, event.pk)]
    services.event_proposer_set(user=user, allowed=False)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.event_publish(actor=user, event=make_event(user))


def test_each_rsvp_action_records_its_activity_once(event, user, other_user, manager):
    from community.activity.models import ActivityEvent

    services.event_update(actor=manager, event=event, capacity=1)
    services.rsvp_register(user=user, event=event)
    services.rsvp_register(user=user, event=event)  # again: nothing new
    services.rsvp_register(user=other_user, event=event)
    services.rsvp_cancel(user=user, event=event)
    services.rsvp_cancel(user=user, event=event)  # again: nothing new
    deliver()
    rows = ActivityEvent.objects.filter(verb__startswith="event.rsvp").order_by("occurred_at", "id")
    assert [(a.verb, a.actor_id, a.properties.get("promoted"), a.properties.get("was")) for a in rows] == [
        ("event.rsvp.registered", user.pk, False, None),
        ("event.rsvp.waitlisted", other_user.pk, None, None),
        ("event.rsvp.cancelled", user.pk, None, "registered"),
        ("event.rsvp.registered", other_user.pk, True, None),
    ]
    assert rows.get(verb="event.rsvp.waitlisted").properties["position"] == 1


def test_more_places_move_the_waitlist_up(event, manager, eager_tasks):
    members = [UserFactory() for _ in range(12)]
    for member in members:
        services.rsvp_register(user=member, event=event)
    mail.outbox.clear()
    services.event_update(actor=manager, event=event, capacity=11)
    deliver()
    status = dict(Registration.objects.filter(event=event).values_list("user_id", "status"))
    assert status[members[10].pk] == RegistrationStatus.REGISTERED
    assert status[members[11].pk] == RegistrationStatus.WAITLISTED
    assert [m.to for m in mail.outbox] == [[members[10].email]]
