from datetime import timedelta

from django.core import mail
from django.utils import timezone

from community.events import services
from community.events.models import ReminderSent
from tests.factories import UserFactory

from .conftest import make_event


def test_day_and_hour_reminders_each_sent_once(manager):
    event = make_event(manager, publish_as=manager, starts_in=timedelta(hours=20))
    members = [UserFactory() for _ in range(3)]
    for member in members:
        services.rsvp_register(user=member, event=event)
    services.rsvp_cancel(user=members[2], event=event)  # gave up the place: no reminders
    mail.outbox.clear()

    assert services.reminders_send() == 2
    assert services.reminders_send() == 0  # a second run sends nothing
    assert sorted(m.to[0] for m in mail.outbox) == sorted([members[0].email, members[1].email])
    assert all(m.subject == "[Atrium] Tomorrow: “LoRA night”" for m in mail.outbox)

    # Forty minutes before the start: the hour reminder, once.
    later = event.starts_at - timedelta(minutes=40)
    assert services.reminders_send(now=later) == 2
    assert services.reminders_send(now=later) == 0
    assert len(mail.outbox) == 4
    assert all("starts in an hour" in m.body for m in mail.outbox[2:])
    assert ReminderSent.objects.filter(registration__event=event).count() == 4


def test_a_registration_within_the_hour_gets_only_the_hour_reminder(manager, user):
    event = make_event(manager, publish_as=manager, starts_in=timedelta(minutes=30))
    services.rsvp_register(user=user, event=event)
    mail.outbox.clear()
    assert services.reminders_send() == 1
    assert services.reminders_send(now=timezone.now() + timedelta(minutes=1)) == 0
    assert [r.kind for r in ReminderSent.objects.all()] == ["hour"]
    assert mail.outbox[0].subject == "[Atrium] Starting in an hour: “LoRA night”"


def test_the_beat_task_is_scheduled():
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["events-reminders-send"]["task"] == "community.events.reminders_send"
