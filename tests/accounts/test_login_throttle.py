"""Failed logins are throttled per (account, IP): an attacker locks the account only
from their own address."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

IP_A = "203.0.113.7"
IP_B = "198.51.100.23"


def login(email, password, ip):
    client = Client(REMOTE_ADDR=ip)
    return client, client.post(reverse("account_login"), {"login": email, "password": password})


def fail_five_times(email, ip):
    for _attempt in range(4):
        _client, response = login(email, "wrong-password-123", ip)
        assert response.status_code == 200  # the form again, with its error
        assert b"not correct" in response.content
    # The fifth failure locks: its answer is already the lockout page.
    _client, response = login(email, "wrong-password-123", ip)
    assert response.status_code == 429


def test_five_bad_passwords_lock_the_account_from_that_ip_only(user, other_user):
    fail_five_times(user.email, IP_A)

    # From A, even the right password is refused, with the lockout page.
    client, locked = login(user.email, PASSWORD, IP_A)
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    assert b"Try again in 15" in locked.content
    assert "_auth_user_id" not in client.session

    # From B, the owner still gets in.
    client, ok = login(user.email, PASSWORD, IP_B)
    assert ok.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)

    # Another account from A is unaffected.
    client, other = login(other_user.email, PASSWORD, IP_A)
    assert other.status_code == 302
    assert client.session["_auth_user_id"] == str(other_user.pk)


def test_case_variants_of_the_email_count_as_one_account(user):
    for variant in ["ADA@example.com", "Ada@Example.com", "ada@EXAMPLE.com", "ada@example.COM", "aDa@example.com"]:
        login(variant, "wrong-password-123", IP_A)
    _client, locked = login(user.email, PASSWORD, IP_A)
    assert locked.status_code == 429


def test_four_failures_then_success_resets_the_count(user):
    for _attempt in range(4):
        login(user.email, "wrong-password-123", IP_A)
    _client, ok = login(user.email, PASSWORD, IP_A)
    assert ok.status_code == 302
    for _attempt in range(4):
        login(user.email, "wrong-password-123", IP_A)
    _client, ok_again = login(user.email, PASSWORD, IP_A)
    assert ok_again.status_code == 302


def test_unknown_accounts_lock_the_same_way(db):
    """No enumeration through the throttle: an unknown address locks like a known one."""
    fail_five_times("nobody@example.com", IP_A)
    _client, locked = login("nobody@example.com", "whatever-password", IP_A)
    assert locked.status_code == 429


def test_resetting_the_password_lifts_the_lockout(user, new_password):
    fail_five_times(user.email, IP_A)
    client = Client(REMOTE_ADDR=IP_A)
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = next(word for word in mail.outbox[-1].body.split() if "/password/reset/key/" in word)
    form = client.get(link, follow=True)
    action = form.redirect_chain[-1][0]
    client.post(action, {"password1": new_password, "password2": new_password})

    _client, ok = login(user.email, new_password, IP_A)
    assert ok.status_code == 302
