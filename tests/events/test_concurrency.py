"""Fifty members register at once for ten places: the event row's lock serialises them."""

import threading

import pytest
from django.db import connection

from community.events import services
from community.events.models import Registration, RegistrationStatus
from tests.factories import UserFactory

from .conftest import make_event


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_registrations_for_ten_places(manager):
    event = make_event(manager, publish_as=manager, capacity=10)
    members = [UserFactory() for _ in range(50)]
    barrier = threading.Barrier(50)
    errors = []

    def register(member):
        try:
            barrier.wait(timeout=30)
            services.rsvp_register(user=member, event=event)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    rows = Registration.objects.filter(event=event)
    assert rows.count() == 50
    assert rows.filter(status=RegistrationStatus.REGISTERED).count() == 10
    assert rows.filter(status=RegistrationStatus.WAITLISTED).count() == 40
    # Cancelling promotes the waitlist in the order members joined it.
    first_waiting = rows.filter(status=RegistrationStatus.WAITLISTED).order_by("waitlisted_at", "id").first()
    leaver = rows.filter(status=RegistrationStatus.REGISTERED).first()
    services.rsvp_cancel(user=leaver.user, event=event)
    first_waiting.refresh_from_db()
    assert first_waiting.status == RegistrationStatus.REGISTERED
    assert rows.filter(status=RegistrationStatus.REGISTERED).count() == 10
