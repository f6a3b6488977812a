"""A streamed Playground reply that reaches its end is recorded (``playground.reply.streamed``:
the onboarding checklist's "try streaming" step); a reply that is not streamed, or that
fails, is not. Through the real ASGI server and inference worker, signed in with a session."""

import json

import pytest
import requests
from django.test import Client
from django.urls import reverse

from community.activity.models import ActivityEvent
from community.activity.services import activity_events_flush
from portal.billing.services import credits_grant

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_session(asgi_server, user):
    """An HTTP client holding ``user``'s session and CSRF token, as the Playground page does."""
    credits_grant(user=user, amount=10, reason="tests")  # the echo fixture is a priced model
    django_client = Client()
    django_client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    page = session.get(asgi_server + reverse("playground:page"), timeout=30)
    assert page.status_code == 200
    headers = {"X-CSRFToken": session.cookies["csrftoken"], "Content-Type": "application/json"}
    yield session, asgi_server, headers
    session.close()


def _chat(browser_session, **body) -> requests.Response:
    session, base, headers = browser_session
    payload = {"model": "echo", "messages": [{"role": "user", "content": "hello stream"}], **body}
    return session.post(base + reverse("playground:chat"), headers=headers, data=json.dumps(payload), timeout=60)


def _streamed(user) -> list[ActivityEvent]:
    activity_events_flush()
    return list(ActivityEvent.objects.filter(actor=user, verb="playground.reply.streamed"))


def test_a_streamed_reply_is_recorded_once_a_day(browser_session, celery_worker, echo_model, user):
    response = _chat(browser_session, stream=True)
    assert response.status_code == 200 and "[DONE]" in response.text
    [event] = _streamed(user)
    assert event.properties == {"model": "echo"}

    assert _chat(browser_session, stream=True).status_code == 200
    assert len(_streamed(user)) == 1  # stored once per user and day


def test_unstreamed_or_failed_replies_are_not_recorded(browser_session, celery_worker, echo_model, user):
    assert _chat(browser_session).status_code == 200
    assert _chat(browser_session, stream=True, model="no-such-model").status_code == 404
    assert _streamed(user) == []
