from datetime import timedelta

import pytest
from django.utils import timezone

from community.events import services
from portal.accounts.roles import Role
from portal.accounts.services import user_set_role
from tests.factories import UserFactory


@pytest.fixture
def manager(db):
    """A community manager (staff, the role's permissions)."""
    user = UserFactory(email="events-manager@example.com")
    user_set_role(user=user, role=Role.COMMUNITY_MANAGER)
    return user


@pytest.fixture
def eager_tasks():
    """Celery tasks run in this process when queued (mail lands in the locmem outbox)."""
    from portal.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


def make_event(organiser, *, publish_as=None, starts_in=timedelta(days=2), hours=2, **fields):
    """An event starting ``starts_in`` from now; published when ``publish_as`` (a manager) is given."""
    starts = fields.pop("starts_at", None) or timezone.now() + starts_in
    values = {
        "title": "LoRA night",
        "kind": "meetup",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=hours),
        "timezone": "Europe/Berlin",
        "online_url": "https://meet.example.com/lora-night",
        "capacity": 10,
    }
    values.update(fields)
    event = services.event_create(organiser=organiser, **values)
    if publish_as is not None:
        event = services.event_publish(actor=publish_as, event=event)
    return event


@pytest.fixture
def event(manager):
    return make_event(manager, publish_as=manager)
