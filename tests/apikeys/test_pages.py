"""The keys page: create (secret shown once), list, revoke, roll; always scoped to the owner."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.apikeys.models import ApiKey
from portal.apikeys.selectors import api_key_grant
from portal.apikeys.services import api_key_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_keys_page_needs_login(client):
    response = client.get(reverse("apikeys:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_create_shows_the_secret_once(signed_in, user):
    response = signed_in.post(reverse("apikeys:list"), {"name": "ci", "scopes": ["inference"], "expires_in": "30"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.encode() in response.content
    key = ApiKey.objects.get(user=user)
    assert key.scopes == ["inference"]
    assert key.expires_at == pytest.approx(timezone.now() + timedelta(days=30), abs=timedelta(minutes=1))
    listing = signed_in.get(reverse("apikeys:list"))
    assert secret.encode() not in listing.content and key.prefix.encode() in listing.content


def test_bad_input_is_refused_and_kept(signed_in, user):
    response = signed_in.post(reverse("apikeys:list"), {"name": "", "scopes": ["read-only", "inference"]})
    assert response.status_code == 400
    assert b"read-only key cannot have other scopes" in response.content
    assert not ApiKey.objects.exists()


def test_list_shows_month_usage_without_n_plus_one(signed_in, user, django_assert_max_num_queries):
    from sandbox.usage.models import UsageRecord

    keys = [api_key_create(user=user, name=f"key {i}")[0] for i in range(5)]
    UsageRecord.objects.create(
        request_id="req_1",
        user=user,
        api_key=keys[0],
        endpoint="chat.completions",
        status_code=200,
        prompt_tokens=3,
        completion_tokens=4,
        latency_ms=5,
        created_at=timezone.now(),
    )
    with django_assert_max_num_queries(8):
        response = signed_in.get(reverse("apikeys:list"))
    row = next(k for k in response.context["keys"] if k.pk == keys[0].pk)
    assert (row.month_requests, row.month_tokens) == (1, 7)


def test_someone_elses_key_is_404(signed_in, other_user):
    key, _secret = api_key_create(user=other_user, name="not yours")
    assert signed_in.post(reverse("apikeys:revoke", kwargs={"pk": key.pk})).status_code == 404
    assert signed_in.get(reverse("apikeys:roll", kwargs={"pk": key.pk})).status_code == 404
    assert signed_in.post(reverse("apikeys:roll", kwargs={"pk": key.pk}), {"overlap": "0"}).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None and key.replaced_by is None


def test_revoke_and_roll_from_the_page(signed_in, user):
    key, secret = api_key_create(user=user, name="laptop")
    response = signed_in.post(reverse("apikeys:roll", kwargs={"pk": key.pk}), {"overlap": "24h"})
    new_secret = response.context["secret"]
    assert api_key_grant(secret=secret).expires_at is not None and not api_key_grant(secret=secret).revoked
    assert b"keeps working until" in response.content
    new_key = ApiKey.objects.get(replaced_by__isnull=True, user=user, revoked_at__isnull=True, expires_at__isnull=True)
    signed_in.post(reverse("apikeys:revoke", kwargs={"pk": new_key.pk}))
    assert api_key_grant(secret=new_secret).revoked


def test_revoke_needs_csrf(client, user):
    csrf_client = client.__class__(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    key, _secret = api_key_create(user=user, name="laptop")
    assert csrf_client.post(reverse("apikeys:revoke", kwargs={"pk": key.pk})).status_code == 403
