"""The personalized quickstart: base URL, key prefix, one-click key creation."""

import pytest
from django.urls import reverse

from portal.apikeys.keyformat import is_well_formed
from portal.apikeys.models import ApiKey
from portal.apikeys.services import api_key_create

pytestmark = pytest.mark.django_db

PAGE = "/docs/getting-started/"


def test_anonymous_reader_sees_placeholders_and_a_signup_link(client):
    html = client.get(PAGE).content.decode()
    assert "YOUR_API_KEY" in html
    assert "/accounts/signup/?next=/docs/getting-started/" in html
    assert 'id="quickstart-create-key"' not in html


def test_signed_in_reader_sees_their_key_prefix_in_examples(client, user):
    key, _secret = api_key_create(user=user, name="laptop")
    client.force_login(user)
    html = client.get(PAGE).content.decode()
    assert f"{key.prefix}…" in html
    assert "YOUR_API_KEY" not in html
    assert "http://testserver/v1" in html


def test_revoked_keys_are_not_offered_as_the_hint(client, user):
    key, _secret = api_key_create(user=user, name="old")
    from portal.apikeys.services import api_key_revoke

    api_key_revoke(key=key)
    client.force_login(user)
    assert key.prefix not in client.get(PAGE).content.decode()


def test_one_click_key_creation_shows_the_secret_once_htmx(client, user):
    client.force_login(user)
    html = client.get(PAGE).content.decode()
    assert 'id="quickstart-create-key"' in html
    response = client.post(reverse("docs:quickstart_key_create"), {"name": "Quickstart"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    key = ApiKey.objects.get(user=user)
    secret = fragment.split('<code id="quickstart-secret">')[1].split("</code>")[0]
    assert is_well_formed(secret) and secret.startswith(key.prefix)
    assert f'export ATRIUM_API_KEY="{secret}"' in fragment
    assert "<html" not in fragment
    # Afterwards the page shows only the prefix, never the secret.
    html = client.get(PAGE).content.decode()
    assert secret not in html and f"{key.prefix}…" in html


def test_one_click_key_creation_without_javascript(client, user):
    client.force_login(user)
    response = client.post(reverse("docs:quickstart_key_create"), {"name": "No JS"})
    assert response.status_code == 200
    html = response.content.decode()
    key = ApiKey.objects.get(user=user)
    assert key.name == "No JS"
    assert '<code id="quickstart-secret">' in html and "<html" in html


def test_key_creation_needs_a_signed_in_user(client):
    response = client.post(reverse("docs:quickstart_key_create"))
    assert response.status_code == 302
    assert not ApiKey.objects.exists()
