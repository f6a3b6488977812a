"""Sign-up, email verification, password reset: and none of them tells whether an
address is registered."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sites.models import Site
from django.core import mail
from django.urls import reverse

from portal.accounts.models import User
from portal.accounts.roles import Role

from .conftest import without_csrf

pytestmark = pytest.mark.django_db

LINK_RE = re.compile(r"https?://\S+")


def signup(client, email, password="a-much-longer-passphrase-2026"):
    return client.post(reverse("account_signup"), {"email": email, "password1": password, "password2": password})


def test_signup_sends_a_verification_link_that_verifies_and_logs_in(client):
    """A new visitor signs up, gets one mail with a link; following it verifies the address."""
    response = signup(client, "new.dev@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")

    user = User.objects.get(email="new.dev@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.dev@example.com"]
    assert message.subject.startswith("[Atrium] ")
    link = LINK_RE.search(message.body).group(0)
    assert "/accounts/confirm-email/" in link

    # Opening the link confirms (no second "Confirm" click) and lands on the developer home.
    confirmed = client.get(link)
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("home")
    assert EmailAddress.objects.get(user=user).verified
    # ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION: the visitor is signed in.
    assert client.get(reverse("accounts:settings")).status_code == 200


def test_a_used_verification_link_says_so_and_verifies_nothing_twice(client):
    """Opening the link again (a mail client's preview, a second click) changes nothing."""
    signup(client, "twice@example.com")
    link = LINK_RE.search(mail.outbox[0].body).group(0)
    assert client.get(link).status_code == 302
    client.logout()
    again = client.get(link)
    assert again.status_code == 200
    assert b"expired or is invalid" in again.content


def test_new_signups_are_developers_with_a_valid_handle(client):
    signup(client, "Ada.Lovelace@Example.com")
    user = User.objects.get(email__iexact="ada.lovelace@example.com")
    assert user.role == Role.DEVELOPER
    assert not user.is_staff
    assert user.profile.handle == "ada-lovelace"


def test_unverified_account_cannot_log_in(client, password):
    from tests.factories import UserFactory

    UserFactory(email="unverified@example.com", verified=False)
    mail.outbox.clear()
    response = client.post(reverse("account_login"), {"login": "unverified@example.com", "password": password})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_weak_passwords_are_refused_with_a_clear_error(client):
    response = signup(client, "weak@example.com", password="password1")
    assert response.status_code == 200
    assert b"This password is too common" in response.content or b"too short" in response.content
    assert b'aria-invalid="true"' in response.content
    # What was typed is kept, and nothing was created.
    assert b'value="weak@example.com"' in response.content
    assert not User.objects.filter(email="weak@example.com").exists()


def test_signup_with_a_registered_email_looks_the_same(user):
    """Same status, redirect and page for a registered and a new address; only the mail
    differs: the owner of the registered address is told an account already exists."""
    from django.test import Client

    known_client, unknown_client = Client(), Client()
    known = signup(known_client, user.email)
    unknown = signup(unknown_client, "nobody@example.com")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])

    known_page = known_client.get(known["Location"])
    unknown_page = unknown_client.get(unknown["Location"])
    assert known_page.status_code == unknown_page.status_code == 200
    # The pages echo the address the visitor typed, and differ in nothing else.
    assert without_csrf(known_page.content).replace(user.email.encode(), b"EMAIL") == without_csrf(
        unknown_page.content
    ).replace(b"nobody@example.com", b"EMAIL")

    assert [m.to for m in mail.outbox] == [[user.email], ["nobody@example.com"]]
    already, verify = mail.outbox
    assert "already" in already.body.lower()
    assert "/accounts/password/reset/" in already.body
    assert "/accounts/confirm-email/" in verify.body
    assert User.objects.filter(email=user.email).count() == 1


def test_password_reset_for_known_and_unknown_email_looks_the_same(client, user):
    """The reset request answers identically; the unknown address gets a mail saying no
    account uses it (allauth's ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS), the known one a link."""
    from django.test import Client

    known_client, unknown_client = Client(), Client()
    url = reverse("account_reset_password")
    known = known_client.post(url, {"email": user.email})
    unknown = unknown_client.post(url, {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == reverse("account_reset_password_done")
    known_page = known_client.get(known["Location"])
    unknown_page = unknown_client.get(unknown["Location"])
    assert without_csrf(known_page.content).replace(user.email.encode(), b"EMAIL") == without_csrf(
        unknown_page.content
    ).replace(b"nobody@example.com", b"EMAIL")

    to_known, to_unknown = mail.outbox
    assert to_known.to == [user.email] and to_unknown.to == ["nobody@example.com"]
    assert "/accounts/password/reset/key/" in to_known.body
    assert "/accounts/password/reset/key/" not in to_unknown.body
    assert "do not have any record of such an account" in to_unknown.body
    assert "/accounts/signup/" in to_unknown.body


def test_password_reset_link_sets_a_new_password(client, user, new_password):
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = LINK_RE.search(mail.outbox[0].body).group(0)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(action, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_site_is_named_atrium_at_site_url(settings):
    site = Site.objects.get_current()
    assert site.name == "Atrium"
    assert site.domain == "127.0.0.1:8000"


def test_mail_greets_from_atrium(client):
    signup(client, "greet@example.com")
    assert "Atrium" in mail.outbox[0].body
    assert "example.com!" not in mail.outbox[0].body.split("\n")[0]


def test_login_with_unknown_email_or_wrong_password_looks_the_same(user):
    from django.test import Client

    url = reverse("account_login")
    wrong = Client().post(url, {"login": user.email, "password": "wrong-password-1"})
    unknown = Client().post(url, {"login": "nobody@example.com", "password": "wrong-password-1"})
    assert wrong.status_code == unknown.status_code == 200
    assert without_csrf(wrong.content).replace(user.email.encode(), b"EMAIL") == without_csrf(unknown.content).replace(
        b"nobody@example.com", b"EMAIL"
    )
    assert b"not correct" in wrong.content
