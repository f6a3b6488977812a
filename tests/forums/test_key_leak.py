"""The key-leak guard: a post or edit containing a live Atrium API key is published with
the key redacted, the key is revoked at once, and its owner is emailed a one-click roll."""

import time

import pytest
from django.core import mail
from django.urls import reverse

from community.forums import services
from community.forums.models import ModerationAction, ModerationActionKind
from community.notifications.models import Notification, NotificationKind
from portal.apikeys import keyformat
from portal.apikeys.services import api_key_create
from tests.support.activity import deliver


@pytest.mark.django_db(transaction=True)  # the owner's email goes out on commit
def test_reply_with_a_live_key_is_redacted_and_the_key_revoked(client, question, asker, answerer, celery_worker):
    key, secret = api_key_create(user=asker, name="laptop")
    client.force_login(answerer)
    mail.outbox.clear()
    response = client.post(
        reverse("forums:reply", kwargs={"pk": question.pk}),
        {"body": f"Works for me with:\n\n```\nOPENAI_API_KEY={secret}\n```"},
    )
    assert response.status_code == 302
    post = question.posts.get(is_first=False)
    assert secret not in post.body and secret not in post.body_html and keyformat.REDACTED in post.body
    question.refresh_from_db()
    assert secret not in question.search_text
    key.refresh_from_db()
    assert key.revoked_at is not None
    owner_mail = [m for m in mail.outbox if m.to == [asker.email] and "roll" in m.body.lower()]
    assert owner_mail and reverse("apikeys:roll", kwargs={"pk": key.pk}) in owner_mail[0].body
    assert secret not in client.get(question.get_absolute_url()).content.decode()
    assert ModerationAction.objects.filter(kind=ModerationActionKind.KEY_REDACTED, post=post).exists()
    deliver()
    notice = Notification.objects.get(recipient=answerer, kind=NotificationKind.SECURITY)
    # Its email goes out through the worker; wait for it, so no task is left touching the
    # tables while this test's data is flushed.
    deadline = time.monotonic() + 30
    while not Notification.objects.filter(pk=notice.pk, emailed_at__isnull=False).exists():
        assert time.monotonic() < deadline, celery_worker.output
        time.sleep(0.1)


@pytest.mark.django_db
def test_edit_and_new_thread_are_guarded_too(qa, question, answer, asker, answerer):
    key, secret = api_key_create(user=answerer, name="ci")
    services.post_edit(editor=answerer, post=answer, body=f"{answer.body}\n\nmy key: {secret}")
    answer.refresh_from_db()
    assert secret not in answer.body and keyformat.REDACTED in answer.body
    key.refresh_from_db()
    assert key.revoked_at is not None
    other_key, other_secret = api_key_create(user=asker, name="notebook")
    thread = services.thread_create(
        author=asker,
        category=qa,
        title="Why is my key refused?",
        body=f"curl -H 'Authorization: Bearer {other_secret}' …",
    )
    assert other_secret not in thread.posts.get().body
    other_key.refresh_from_db()
    assert other_key.revoked_at is not None


@pytest.mark.django_db
def test_lookalikes_and_previews_are_left_alone(client, question, asker, answerer):
    key, secret = api_key_create(user=asker, name="laptop")
    lookalike = "atr_live_" + "A" * 38
    post = services.post_create(author=answerer, thread=question, body=f"An example key looks like {lookalike}")
    assert lookalike in post.body and not ModerationAction.objects.exists()
    # The preview goes back only to its writer: it shows the text and revokes nothing.
    client.force_login(asker)
    client.post(reverse("forums:preview"), {"body": secret})
    key.refresh_from_db()
    assert key.revoked_at is None


@pytest.mark.django_db
def test_the_moderation_log_credits_redactions_to_the_system_once_each(
    client, qa, question, asker, answerer, moderator
):
    """Each automatic redaction is one row, credited to "Atrium (automatic)", not to a
    "deleted user": a key in both title and body is one redaction, the same post sent again
    is refused as a duplicate (it used to slip past the check and be posted and logged twice),
    and recording the same post twice keeps one row."""
    from community.forums.services.publishing import key_leak_recorded

    _key, secret = api_key_create(user=asker, name="laptop")
    client.force_login(asker)
    client.post(
        reverse("forums:thread_create"),
        {"category": qa.pk, "title": f"Key {secret} refused?", "body": f"I send {secret} and get a 401."},
    )
    _key2, secret2 = api_key_create(user=answerer, name="ci")
    client.force_login(answerer)
    body = {"body": f"Mine works: {secret2}"}
    assert client.post(reverse("forums:reply", kwargs={"pk": question.pk}), body).status_code == 302
    again = client.post(reverse("forums:reply", kwargs={"pk": question.pk}), body)
    assert again.status_code == 400 and "You already posted exactly this" in again.content.decode()
    reply = question.posts.get(is_first=False)
    key_leak_recorded(post=reply)  # a second recording of the same version changes nothing

    redactions = ModerationAction.objects.filter(kind=ModerationActionKind.KEY_REDACTED)
    assert redactions.count() == 2 and redactions.filter(post=reply).count() == 1
    client.force_login(moderator)
    html = client.get(reverse("forums:mod_log")).content.decode()
    rows = [row for row in html.split("<tr>") if "Redacted a leaked API key" in row]
    assert len(rows) == 2
    assert all("Atrium (automatic)" in row and "deleted user" not in row for row in rows)


@pytest.mark.django_db
def test_a_moderators_action_is_theirs_and_a_deleted_moderator_shows_as_deleted(client, answer, moderator, third):
    """Only the system's own actions are "Atrium (automatic)"."""
    from django.contrib.auth.models import Group

    services.post_hide(moderator=moderator, post=answer, reason="off topic")
    third.groups.add(Group.objects.get(name="Moderator"))
    client.force_login(third)
    row = next(r for r in client.get(reverse("forums:mod_log")).content.decode().split("<tr>") if "Hid post" in r)
    assert "/u/mod/" in row and "Atrium (automatic)" not in row
    moderator.delete()
    row = next(r for r in client.get(reverse("forums:mod_log")).content.decode().split("<tr>") if "Hid post" in r)
    assert "deleted user" in row and "Atrium (automatic)" not in row
