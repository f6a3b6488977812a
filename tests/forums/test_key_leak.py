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
