"""Each wired action records its activity exactly once, and a retried one records once.

The tests run in a transaction; ``with committed():`` delivers what the block recorded,
as its commit would.
"""

import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community.activity.models import ActivityEvent
from community.activity.services import activity_events_flush
from portal.apikeys.services import api_key_create, api_key_revoke, api_key_roll, api_keys_redact_leaked
from portal.redis_client import get_redis
from sandbox.usage.services import (
    ROLLUP_DONE_KEY,
    ROLLUP_GRACE,
    usage_hour_activity_record,
    usage_hours_activity_record,
    usage_record_enqueue,
    usage_records_flush,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-much-longer-passphrase-2026"


def stored(verb: str, **filters) -> list[ActivityEvent]:
    activity_events_flush()
    return list(ActivityEvent.objects.filter(verb=verb, **filters).order_by("occurred_at"))


def test_sign_up_email_verification_and_login(client, committed):
    with committed():
        client.post(
            reverse("account_signup"), {"email": "new.dev@example.com", "password1": PASSWORD, "password2": PASSWORD}
        )
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    with committed():
        client.post(link)  # confirms, and signs in (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION)
        client.post(link)  # a second click changes nothing
    [signed_up] = stored("account.signed_up")
    user = signed_up.actor
    assert user.email == "new.dev@example.com" and signed_up.target == ("accounts.user", str(user.pk))
    [verified] = stored("account.email_verified")
    assert verified.actor == user and verified.target[0] == "account.emailaddress"
    assert [a.actor for a in stored("account.logged_in")] == [user]

    with committed():
        client.post(reverse("account_logout"))
        client.post(reverse("account_login"), {"login": "new.dev@example.com", "password": "wrong-password-1234"})
    assert len(stored("account.logged_in")) == 1
    with committed():
        client.post(reverse("account_login"), {"login": "new.dev@example.com", "password": PASSWORD})
    assert len(stored("account.logged_in")) == 2
    assert len(stored("account.signed_up")) == len(stored("account.email_verified")) == 1


def test_key_created_and_revoked_once(user, committed):
    with committed():
        key, _secret = api_key_create(user=user, name="laptop", scopes=["inference"])
    [created] = stored("apikey.created")
    assert (created.actor, created.target, created.properties) == (
        user,
        ("apikeys.apikey", str(key.pk)),
        {"scopes": ["inference"]},
    )
    with committed():
        api_key_revoke(key=key)
        api_key_revoke(key=key)  # revoking again is not a second revocation
    [revoked] = stored("apikey.revoked")
    assert (revoked.target, revoked.properties) == (("apikeys.apikey", str(key.pk)), {"reason": "owner"})

    with committed():
        new_key, secret = api_key_roll(key=key)
    assert [a.target[1] for a in stored("apikey.created")] == [str(key.pk), str(new_key.pk)]
    with committed():
        api_keys_redact_leaked(text=f"my key is {secret}")
    assert [a.properties["reason"] for a in stored("apikey.revoked")] == ["owner", "leaked"]
    assert secret not in str(list(ActivityEvent.objects.values_list("properties", flat=True)))


def test_docs_views_once_a_reader_page_and_day_and_feedback_once_per_answer(client, user, committed):
    page = reverse("docs:page", kwargs={"slug": "models"})
    with committed():
        client.get(page)  # anonymous: counted by PageView only
        client.force_login(user)
        client.get(page)
        client.get(page)
        client.get(reverse("docs:page", kwargs={"slug": "embeddings"}))
    viewed = stored("docs.page.viewed")
    assert sorted(a.properties["slug"] for a in viewed) == ["embeddings", "models"]
    assert all(a.actor == user and a.target[0] == "docs.page" for a in viewed)

    feedback = reverse("docs:page_feedback", kwargs={"slug": "models"})
    with committed():
        client.post(feedback, {"helpful": "yes"})
        client.post(feedback, {"helpful": "yes", "comment": "clear"})  # the same answer, sent again
    assert [a.properties["helpful"] for a in stored("docs.feedback.given")] == [True]
    with committed():
        client.post(feedback, {"helpful": "no"})  # a changed answer is a new one
    assert [a.properties["helpful"] for a in stored("docs.feedback.given")] == [True, False]
    client.logout()
    with committed():
        client.post(feedback, {"helpful": "no"})
    assert stored("docs.feedback.given")[-1].actor is None


def _call(user, key, *, ts: float, status: int = 200, tokens: tuple[int, int] = (3, 5)) -> None:
    """Meter one /v1 call as the gateway does."""
    usage_record_enqueue(
        request_id=f"req-{time.time_ns()}",
        user_id=user.pk,
        key_id=key.pk,
        endpoint="chat.completions",
        status=status,
        error_code="" if status < 400 else "model_not_found",
        latency_ms=12,
        ts=ts,
        model="echo" if status < 400 else "missing",
        prompt_tokens=tokens[0] if status < 400 else 0,
        completion_tokens=tokens[1] if status < 400 else 0,
        cost="0",
        stream=False,
    )


def test_first_api_call_once_per_account_and_api_use_rolled_up_per_hour(user, other_user, committed):
    """Records of one hour arrive over several flushes; the hour's api.used counts them all,
    once the hour is over, and is recorded once however often the rollup runs."""
    with committed():
        key, _ = api_key_create(user=user, name="ci")
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    get_redis().delete(ROLLUP_DONE_KEY.format(hour=hour))
    _call(user, key, ts=hour.timestamp() + 1, status=404)
    with committed():
        usage_records_flush()
    assert stored("api.first_call") == []  # a failed call is not a first call

    _call(user, key, ts=hour.timestamp() + 2)
    _call(user, key, ts=hour.timestamp() + 3)
    with committed():
        usage_records_flush()
    _call(user, key, ts=hour.timestamp() + 4, tokens=(10, 20))
    with committed():
        usage_records_flush()
    [first] = stored("api.first_call")
    assert (first.actor, first.target, first.properties) == (
        user,
        ("apikeys.apikey", str(key.pk)),
        {"endpoint": "chat.completions", "model": "echo"},
    )
    assert first.occurred_at.timestamp() == pytest.approx(hour.timestamp() + 2, abs=0.001)
    assert stored("api.used") == []  # the hour is not over

    with committed():
        usage_hours_activity_record(now=hour + timedelta(hours=1) + ROLLUP_GRACE)
        usage_hours_activity_record(now=hour + timedelta(hours=1) + ROLLUP_GRACE)
        usage_hour_activity_record(hour=hour)  # recomputed: still one activity
    [used] = stored("api.used")
    assert (used.actor, used.occurred_at) == (user, hour)
    assert used.properties == {
        "hour": hour.isoformat(),
        "requests": 4,
        "errors": 1,
        "prompt_tokens": 16,
        "completion_tokens": 30,
        "models": ["echo", "missing"],
    }
    assert used.dedupe_key == f"api.used:{user.pk}:{hour:%Y-%m-%dT%H}"
    assert ActivityEvent.objects.filter(actor=other_user).count() == 0
