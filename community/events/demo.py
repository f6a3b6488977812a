"""A demo event for `make run` (called by `manage.py seed_demo`; safe to run again): a
webinar a week from now, organised by the demo manager, with a few places left."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_noop

from portal.shipped import shipped_register

from .models import Event
from .selectors import is_manager
from .services import event_create, event_publish

TITLE = gettext_noop("Build with Atrium: fine-tuning in an hour")
DESCRIPTION = gettext_noop(
    "A live walk through the API and a LoRA fine-tuning job, from a key to a deployed model, "
    "with time for your questions at the end."
)
AGENDA = [
    {"title": gettext_noop("Welcome and your first API call"), "speakers": "Atrium DevRel"},
    {"title": gettext_noop("Fine-tuning a model on your own data"), "speakers": "Atrium DevRel"},
    {"title": gettext_noop("Questions and answers"), "speakers": ""},
]
shipped_register(TITLE, DESCRIPTION, *(item["title"] for item in AGENDA))


def seed(*, stdout) -> None:
    manager = get_user_model().objects.filter(email="manager@atrium.local").first()
    if manager is None or Event.objects.filter(title=TITLE).exists():
        return
    starts = (timezone.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    event = event_create(
        organiser=manager,
        title=TITLE,
        kind="webinar",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        timezone="Asia/Shanghai",
        description=DESCRIPTION,
        hosts="Atrium DevRel",
        online_url="https://meet.example.com/atrium-webinar",
        capacity=50,
        agenda=AGENDA,
    )
    if is_manager(manager):
        event_publish(actor=manager, event=event)
    stdout.write("Demo event: /events/\n")
