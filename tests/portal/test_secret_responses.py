"""Responses that show a secret, or whose URL carries one, are never stored by a browser
or proxy (`Cache-Control: no-store`, `Pragma: no-cache`) and send no Referer
to another site (`Referrer-Policy: same-origin`): Back or a shared cache cannot show the
secret again, and no other site learns the URL."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from community.notifications import services as notification_services
from portal.apikeys.services import api_key_create
from sandbox.finetuning.webhooks import webhook_endpoint_set

pytestmark = pytest.mark.django_db

LINK_RE = re.compile(r"http://\S+")


def assert_never_stored(response):
    cache_control = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "must-revalidate", "private", "max-age=0"} <= cache_control
    assert response["Pragma"] == "no-cache"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.fixture(autouse=True)
def _production_referrer_policy(settings):
    """Production's site-wide policy, which sends the origin across sites."""
    settings.SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_a_new_keys_secret_page(signed_in):
    response = signed_in.post(reverse("apikeys:list"), {"name": "ci", "scopes": ["inference"], "expires_in": ""})
    assert response.context["secret"].encode() in response.content
    assert_never_stored(response)


def test_a_rolled_keys_secret_page(signed_in, user):
    key, _secret = api_key_create(user=user, name="laptop")
    response = signed_in.post(reverse("apikeys:roll", kwargs={"pk": key.pk}), {"overlap": "0"})
    assert response.context["secret"].encode() in response.content
    assert_never_stored(response)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_the_quickstarts_new_key(signed_in, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = signed_in.post(reverse("docs:quickstart_key_create"), {"name": "Quickstart"}, headers=headers)
    assert response.context["secret"].encode() in response.content
    assert_never_stored(response)


def test_the_webhook_signing_secret(signed_in, user):
    endpoint = webhook_endpoint_set(owner=user, url="https://example.com/hooks")
    response = signed_in.get(reverse("finetuning:webhook_settings"))
    assert endpoint.secret.encode() in response.content
    assert_never_stored(response)


def test_the_unsubscribe_page_of_a_mailed_token(client, user):
    token = notification_services.unsubscribe_token(user=user, scope="reply")
    response = client.get(reverse("notifications:unsubscribe", kwargs={"token": token}))
    assert response.status_code == 200
    assert_never_stored(response)


def test_the_email_confirmation_page(client):
    password = "a-much-longer-passphrase-2026"
    client.post(reverse("account_signup"), {"email": "new@example.com", "password1": password, "password2": password})
    link = next(url for url in LINK_RE.findall(mail.outbox[-1].body) if "/accounts/confirm-email/" in url)
    response = client.get(link)  # confirms on GET, then redirects
    assert response.status_code == 302
    assert_never_stored(response)


def test_the_password_reset_pages(client, user):
    """The mailed link moves its key into the session and redirects; neither response is kept."""
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = next(url for url in LINK_RE.findall(mail.outbox[-1].body) if "/password/reset/key/" in url)
    redirect = client.get(link)
    assert redirect.status_code == 302
    assert_never_stored(redirect)
    form = client.get(redirect["Location"])
    assert form.status_code == 200 and b"password1" in form.content
    assert_never_stored(form)


def test_ordinary_pages_stay_cacheable_by_the_browser(signed_in):
    """The headers are the secret pages' own, not the site's (Back works elsewhere)."""
    response = signed_in.get(reverse("home"))
    assert "no-store" not in response.get("Cache-Control", "")
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
