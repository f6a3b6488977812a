"""The personalized quickstart: base URL, key prefix, one-click key creation."""

import re

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

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


def test_signed_in_reader_with_a_key_gets_the_placeholder_and_how_to_fill_it(client, user):
    """The secret is not known after creation (hashed at rest): the examples keep the
    placeholder, never an abbreviation, and the key box says whose key to paste or how to get one."""
    key, _secret = api_key_create(user=user, name="laptop")
    client.force_login(user)
    html = client.get(PAGE).content.decode()
    assert 'export ATRIUM_API_KEY="YOUR_API_KEY"' in _code_blocks_text(html)
    assert "…" not in _code_blocks_text(html)
    lost = html.split('id="quickstart-key-lost"')[1].split("</p>")[0]
    assert f"<code>{key.prefix}</code>" in lost and "YOUR_API_KEY" in lost
    assert 'id="quickstart-create-key"' in html
    assert "http://testserver/v1" in html


def _code_blocks_text(html: str) -> str:
    """The text of the page's code blocks (the parts a Copy button copies)."""

    return "\n".join(strip_tags(block) for block in re.findall(r"<pre[^>]*>(.*?)</pre>", html, re.S))


def test_no_docs_page_puts_an_abbreviated_key_in_a_code_block(client, user):
    from portal.docs import pages

    api_key_create(user=user, name="laptop")
    client.force_login(user)
    for slug in pages.PAGE_ORDER:
        html = client.get(f"/docs/{slug}/").content.decode()
        assert not re.search(r"atr_live_\w*…", _code_blocks_text(html)), slug


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
    # The one place that holds it for the page's scripts, which fill step 3 with it.
    assert f'data-api-key="{secret}"' in fragment
    assert "<html" not in fragment
    # Afterwards the page never shows the secret: step 3 is back to the placeholder.
    html = client.get(PAGE).content.decode()
    assert secret not in html and key.prefix in html
    assert 'export ATRIUM_API_KEY="YOUR_API_KEY"' in _code_blocks_text(html)


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
