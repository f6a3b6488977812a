"""The daily pass runs from beat in a real Celery worker: a regular who no longer meets the
window's requirements is demoted there."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from community.trust.levels import Level
from community.trust.models import LevelChange, MemberTrust
from community.trust.tasks import levels_evaluate_daily
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_the_daily_task_demotes_in_the_worker(celery_worker):
    assert settings.CELERY_BEAT_SCHEDULE["trust-levels-evaluate-daily"]["task"] == levels_evaluate_daily.name
    member = UserFactory(email="regular-once@example.com")
    # A regular since long ago who has done nothing in the last 100 days.
    MemberTrust.objects.create(user=member, level=Level.REGULAR, level_changed_at=timezone.now() - timedelta(days=200))
    levels_evaluate_daily.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and MemberTrust.objects.get(user=member).level == Level.REGULAR:
        time.sleep(0.2)
    assert MemberTrust.objects.get(user=member).level == Level.MEMBER, celery_worker.output
    assert LevelChange.objects.get(user=member).reason == "demoted"
