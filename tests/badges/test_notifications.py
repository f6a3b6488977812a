"""Every award tells the member once: a notification under the bell and an email by their
preference, sent after commit, exactly once however often the activity is delivered."""

import time

import pytest
from django.core import mail

from community.activity.services import activity_record
from community.badges.models import BadgeAward
from community.badges.services import badge_award, badge_rows
from community.notifications.models import Notification, NotificationPreference
from portal.apikeys.services import api_key_create

from .conftest import deliver


@pytest.mark.django_db
def test_a_badge_sends_one_notification_and_one_email(user, eager_tasks):
    mail.outbox.clear()
    api_key_create(user=user, name="laptop")
    deliver(times=3)
    [notification] = Notification.objects.filter(recipient=user, kind="badge")
    assert notification.emailed_at is not None
    [message] = [m for m in mail.outbox if "First Key" in m.subject]
    assert message.to == [user.email]
    assert "/rewards/badges/first-key/" in message.body
    assert "/notifications/unsubscribe/" in message.body and "List-Unsubscribe" in message.extra_headers
    deliver(times=2)  # nothing new to deliver, nothing sent again
    assert len([m for m in mail.outbox if "First Key" in m.subject]) == 1


@pytest.mark.django_db
def test_no_email_is_sent_before_the_award_commits(user, eager_tasks):
    """Inside the handler's transaction the notification exists but its email waits for the commit."""
    mail.outbox.clear()
    from django.db import connection

    from .conftest import run_on_commit

    run_on_commit()
    badge_award(user=user, badge=badge_rows()["verified"])
    assert mail.outbox == [] and connection.run_on_commit
    run_on_commit()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_badge_email_preference_is_honoured(client, user, eager_tasks):
    client.force_login(user)
    response = client.post(
        "/notifications/settings/",
        {"email_reply": "on", "email_mention": "on", "email_accepted": "on", "email_honor": "on", "digest": "weekly"},
    )
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=user).email_badge is False
    mail.outbox.clear()
    activity_record(actor=user, verb="api.first_call", properties={"endpoint": "chat.completions", "model": "echo"})
    deliver()
    [notification] = Notification.objects.filter(recipient=user, kind="badge")
    assert notification.emailed_at is None and mail.outbox == []


@pytest.mark.django_db
def test_notification_title_is_in_the_members_language(user):
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    badge_award(user=user, badge=badge_rows()["great-answer"], cause="post:7", url="/community/p/7/")
    [notification] = Notification.objects.filter(recipient=user, kind="badge")
    assert notification.title.startswith("你获得了金牌徽章“优秀回答”") and notification.url == "/community/p/7/"


@pytest.mark.django_db(transaction=True)
def test_concurrent_evaluations_award_and_notify_once(user):
    """Twenty evaluations at once, each with its own connection: one award, one notification."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    badge = badge_rows()["supporter"]

    def evaluate(_):
        try:
            return badge_award(user=user, badge=badge) is not None
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        created = list(pool.map(evaluate, range(20)))
    assert created.count(True) == 1
    assert BadgeAward.objects.filter(user=user, badge=badge).count() == 1
    assert Notification.objects.filter(recipient=user, kind="badge").count() == 1


def _wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_worker_mails_the_award_and_runs_the_daily_evaluation(celery_worker, user, other_user):
    """Through a real Celery worker: the award's email after commit, and the beat task's safety net."""
    from community.activity.services import activity_events_flush
    from community.badges.models import Badge, MemberTally
    from community.badges.tasks import evaluate_all

    api_key_create(user=user, name="laptop")  # commits: the activity is on the stream
    activity_events_flush()
    notification = Notification.objects.get(recipient=user, kind="badge")
    assert _wait_for(lambda: Notification.objects.filter(pk=notification.pk, emailed_at__isnull=False).exists()), (
        celery_worker.output
    )
    # A badge switched off while other_user qualified: the daily task awards it once it is on again.
    Badge.objects.filter(slug="supporter").update(enabled=False)
    MemberTally.objects.create(user=other_user, upvotes_given=1)
    Badge.objects.filter(slug="supporter").update(enabled=True)
    evaluate_all.delay()
    assert _wait_for(lambda: BadgeAward.objects.filter(user=other_user, badge__slug="supporter").exists()), (
        celery_worker.output
    )
    assert _wait_for(
        lambda: Notification.objects.filter(recipient=other_user, kind="badge", emailed_at__isnull=False).exists()
    ), celery_worker.output
