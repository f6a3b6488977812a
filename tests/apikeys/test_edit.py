"""A key's owner renames it and chooses whether the request log keeps its calls' bodies
(off by default, for a few days at most); the create form offers the same choice, and its
scope checkboxes use Bootstrap's form-check markup (a gap between box and label)."""

import re

import pytest
from django.urls import reverse

from portal.apikeys.models import ApiKey
from portal.apikeys.selectors import api_key_grant
from portal.apikeys.services import api_key_create, api_key_roll

pytestmark = pytest.mark.django_db


def test_the_create_form_offers_body_logging_off_by_default(client, user):
    client.force_login(user)
    html = client.get(reverse("apikeys:list")).content.decode()
    assert re.search(r'<option value="0" selected>Off: keep no bodies</option>', html)
    response = client.post(
        reverse("apikeys:list"), {"name": "debugging", "scopes": ["inference"], "log_bodies_days": "7"}
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(user=user)
    assert key.log_bodies_days == 7
    assert api_key_grant(secret=response.context["secret"]).log_bodies_days == 7
    client.post(reverse("apikeys:list"), {"name": "quiet", "scopes": ["inference"]})
    assert ApiKey.objects.get(name="quiet").log_bodies_days == 0


def test_more_days_than_the_site_keeps_are_refused(client, user, settings):
    settings.REQUEST_LOG_BODIES_MAX_DAYS = 7
    client.force_login(user)
    response = client.post(reverse("apikeys:list"), {"name": "k", "scopes": ["inference"], "log_bodies_days": "30"})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()
    assert ">30 days<" not in response.content.decode()


def test_the_owner_edits_name_and_body_logging_and_the_gateway_sees_it_at_once(client, user):
    key, secret = api_key_create(user=user, name="laptop")
    assert api_key_grant(secret=secret).log_bodies_days == 0  # cached now
    client.force_login(user)
    assert client.get(reverse("apikeys:edit", args=[key.pk])).status_code == 200
    response = client.post(reverse("apikeys:edit", args=[key.pk]), {"name": "laptop 2", "log_bodies_days": "1"})
    assert response.status_code == 302
    key.refresh_from_db()
    assert (key.name, key.log_bodies_days) == ("laptop 2", 1)
    assert api_key_grant(secret=secret).log_bodies_days == 1
    assert "bodies logged 1 day" in client.get(reverse("apikeys:list")).content.decode()
    new_key, _secret = api_key_roll(key=key)
    assert new_key.log_bodies_days == 1  # a rolled key keeps the choice


def test_nobody_edits_someone_elses_key(client, user, other_user):
    key, _secret = api_key_create(user=other_user, name="theirs")
    client.force_login(user)
    assert client.get(reverse("apikeys:edit", args=[key.pk])).status_code == 404
    response = client.post(reverse("apikeys:edit", args=[key.pk]), {"name": "mine now", "log_bodies_days": "30"})
    assert response.status_code == 404
    key.refresh_from_db()
    assert (key.name, key.log_bodies_days) == ("theirs", 0)


def test_scope_checkboxes_are_bootstrap_form_checks(client, user):
    client.force_login(user)
    html = client.get(reverse("apikeys:list")).content.decode()
    boxes = re.findall(r'<div class="form-check">(<input[^>]*>)\s*<label class="form-check-label"', html)
    assert len(boxes) == len(ApiKey.Scope.choices)
    assert all('class="form-check-input"' in box and 'type="checkbox"' in box for box in boxes)
