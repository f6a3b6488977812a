"""Notifications: in-app (the bell) for replies, mentions, accepted answers and watched
threads/categories; email by preference through a real Celery worker; digests; signed
one-click unsubscribe."""

import time

import pytest
from django.core import mail
from django.urls import reverse

from community.forums import services
from community.notifications import services as notification_services
from community.notifications.models import DigestFrequency, Notification, NotificationKind, NotificationPreference
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db


def kinds(user):
    deliver()
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_reply_notifies_the_asker_and_shows_on_the_bell(client, question, answer, asker, answerer):
    """The forums record the reply; the notifications app's handler notifies the asker."""
    assert kinds(asker) == [NotificationKind.REPLY]
    assert kinds(answerer) == []  # never about one's own action
    client.force_login(asker)
    page = client.get(reverse("forums:index")).content.decode()
    assert 'data-unread="1"' in page
    notification = Notification.objects.get(recipient=asker)
    assert "replied to" in notification.title
    response = client.get(reverse("notifications:open", kwargs={"pk": notification.pk}))
    assert response.status_code == 302 and response["Location"] == reverse("forums:post", kwargs={"pk": answer.pk})
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "data-unread" not in client.get(reverse("forums:index")).content.decode()
    # The count is cached between the writes that change it: a new reply shows at once.
    services.post_create(author=answerer, thread=question, body="And one more thing about the stream.")
    deliver()
    assert 'data-unread="1"' in client.get(reverse("forums:index")).content.decode()


def test_mentions_notify_once_and_not_inside_code(question, asker, answerer, third):
    services.post_create(author=answerer, thread=question, body="cc @linus and @ada, not `@nobody` @answerer")
    assert kinds(third) == [NotificationKind.MENTION]
    assert kinds(asker) == [NotificationKind.MENTION]  # mention wins over the reply notice: one, not two
    services.post_create(author=answerer, thread=question, body="Mentioning myself @grace does nothing.")
    assert kinds(answerer) == []


def test_editing_in_a_new_mention_notifies_only_the_new_name(question, answer, answerer, third, asker):
    services.post_edit(editor=answerer, post=answer, body=answer.body + "\n\nAlso see @linus")
    assert kinds(third) == [NotificationKind.MENTION]
    services.post_edit(editor=answerer, post=answer, body=answer.body + "\n\nand again @linus")
    assert kinds(third) == [NotificationKind.MENTION]


def test_accepted_answer_notifies_its_author(question, answer, asker, answerer):
    services.post_accept_answer(user=asker, post=answer)
    assert kinds(answerer) == [NotificationKind.ACCEPTED]


def test_watchers_of_threads_and_categories(client, qa, question, asker, answerer, third):
    deliver()  # the question was posted (and its activity handled) before anyone watched
    client.force_login(third)
    assert client.post(reverse("forums:thread_watch", kwargs={"pk": question.pk})).status_code == 302
    assert client.post(reverse("forums:category_watch", kwargs={"slug": qa.slug})).status_code == 302
    services.post_create(author=answerer, thread=question, body="A reply the watcher should hear about.")
    assert kinds(third) == [NotificationKind.WATCHED]
    services.thread_create(
        author=asker, category=qa, title="A brand new question in Q&A", body="Category watchers hear about this."
    )
    assert kinds(third) == [NotificationKind.WATCHED, NotificationKind.WATCHED]
    # Repliers follow the thread automatically.
    services.post_create(author=asker, thread=question, body="Follow-up from the asker here.")
    assert NotificationKind.WATCHED in kinds(answerer)


def test_members_see_only_their_own_notifications(client, question, answer, asker, third):
    deliver()
    notification = Notification.objects.get(recipient=asker)
    client.force_login(third)
    assert client.get(reverse("notifications:open", kwargs={"pk": notification.pk})).status_code == 404
    assert notification.title not in client.get(reverse("notifications:list")).content.decode()
    client.post(reverse("notifications:mark_all_read"))
    notification.refresh_from_db()
    assert notification.read_at is None


def test_email_has_the_link_and_a_one_click_unsubscribe(question, answer, asker):
    deliver()
    notification = Notification.objects.get(recipient=asker)
    mail.outbox.clear()
    assert notification_services.notification_email_send(notification_id=notification.pk)
    assert not notification_services.notification_email_send(notification_id=notification.pk)  # once only
    message = mail.outbox[0]
    assert message.to == [asker.email] and "replied to" in message.subject
    assert f"/community/p/{answer.pk}/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/notifications/unsubscribe/" in message.extra_headers["List-Unsubscribe"]


def test_preferences_switch_email_off(client, question, asker, answerer):
    client.force_login(asker)
    response = client.post(
        reverse("notifications:preferences"),
        {"email_mention": "on", "email_accepted": "on", "email_watched": "on", "digest": "daily"},
    )
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=asker)
    assert not pref.email_reply and pref.digest == DigestFrequency.DAILY
    assert client.post(reverse("notifications:preferences"), {"digest": "hourly"}).status_code == 400
    services.post_create(author=answerer, thread=question, body="An answer the asker will not get mailed.")
    deliver()
    notification = Notification.objects.get(recipient=asker)
    mail.outbox.clear()
    assert not notification_services.notification_email_send(notification_id=notification.pk)
    assert mail.outbox == []


def test_unsubscribe_link(client, asker):
    token = notification_services.unsubscribe_token(user=asker, scope="reply")
    url = reverse("notifications:unsubscribe", kwargs={"token": token})
    page = client.get(url)
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    assert NotificationPreference.objects.filter(user=asker, email_reply=False).count() == 0  # GET changes nothing
    assert client.post(url).status_code == 200  # no login, no CSRF token: the signature is the credential
    assert NotificationPreference.objects.get(user=asker).email_reply is False
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.post(reverse("notifications:unsubscribe", kwargs={"token": forged})).status_code == 400


def test_unsubscribe_from_everything(client, asker):
    token = notification_services.unsubscribe_token(user=asker, scope="all")
    client.post(reverse("notifications:unsubscribe", kwargs={"token": token}))
    pref = NotificationPreference.objects.get(user=asker)
    assert not any([pref.email_reply, pref.email_mention, pref.email_accepted, pref.email_watched])
    assert pref.digest == DigestFrequency.OFF


def test_digest_collects_unread_notifications_and_active_threads(question, answer, asker, answerer):
    deliver()
    NotificationPreference.objects.filter(user=asker).update(digest=DigestFrequency.DAILY)  # created when notified
    NotificationPreference.objects.update_or_create(user=answerer, defaults={"digest": DigestFrequency.WEEKLY})
    assert notification_services.digest_recipients(frequency="daily") == [asker.pk]
    mail.outbox.clear()
    assert notification_services.digest_send(user_id=asker.pk, frequency="daily")
    message = mail.outbox[0]
    assert "digest" in message.subject and question.title in message.body and "replied to" in message.body
    assert "/notifications/unsubscribe/" in message.body
    # Sent: not due again until tomorrow.
    assert notification_services.digest_recipients(frequency="daily") == []
    assert not notification_services.digest_send(user_id=asker.pk, frequency="weekly")


def _wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_emails_go_out_through_the_celery_worker(celery_worker, categories, asker, answerer):
    """The reply's email is sent by the real worker after commit (it stamps emailed_at)."""
    question = services.thread_create(
        author=asker, category=categories["qa"], title="Worker-delivered question", body="Will I get an email?"
    )
    services.post_create(author=answerer, thread=question, body="Yes, through Celery.")
    deliver()  # the activity consumer (beat runs it every second in a deployment)
    notification = Notification.objects.get(recipient=asker)
    assert _wait_for(lambda: Notification.objects.filter(pk=notification.pk, emailed_at__isnull=False).exists()), (
        celery_worker.output
    )


@pytest.mark.django_db(transaction=True)
def test_digests_are_dispatched_by_the_worker(celery_worker, asker):
    from community.notifications.tasks import digests_dispatch

    NotificationPreference.objects.create(user=asker, digest=DigestFrequency.WEEKLY)
    Notification.objects.create(recipient=asker, kind=NotificationKind.REPLY, title="Someone replied", url="/")
    digests_dispatch.delay(frequency="weekly")
    assert _wait_for(
        lambda: NotificationPreference.objects.filter(user=asker, last_digest_at__isnull=False).exists()
    ), celery_worker.output


def test_a_notification_that_lands_while_the_bell_counts_is_not_cached_over(asker, answerer, monkeypatch):
    """The bell counts from the database; before it caches the count, a notification for
    the same member is created. The next page must count it."""
    from django.core.cache import cache

    real_set, raced = cache.set, []

    def set_after_a_concurrent_notification(key, value, *args, **kwargs):
        if key.startswith("notifications:unread:") and not raced:
            raced.append(key)
            notification_services.notification_create(
                recipient=asker, kind=NotificationKind.REPLY, title="A reply", url="/community/", actor=answerer
            )
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", set_after_a_concurrent_notification)
    assert notification_services.unread_count(user=asker) == 0  # counted before the notification
    assert raced
    assert notification_services.unread_count(user=asker) == 1
