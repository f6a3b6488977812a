"""Every account page renders in the site's layout, with a label for every input."""

import re
from html.parser import HTMLParser

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.urls import reverse

pytestmark = pytest.mark.django_db


class FormAudit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs, self.labels, self.forms = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        if tag in {"input", "textarea", "select"} and attrs.get("type") not in {"hidden", "submit", "button"}:
            self.inputs.append(attrs)
        if tag == "form":
            self.forms.append(attrs)


def assert_site_page(response, *, heading: str):
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="navbar' in html and '<main id="main"' in html  # the site's layout
    assert re.search(r"<h1[^>]*>\s*" + re.escape(heading), html), heading
    audit = FormAudit()
    audit.feed(html)
    for field in audit.inputs:
        assert field.get("id") in audit.labels or field.get("aria-label"), f"unlabelled input {field}"
        if field.get("type") not in {"checkbox", "radio"} and field.get("id") != "lang-switch":
            assert "form-control" in field.get("class", "") or "form-select" in field.get("class", ""), field
    for form in audit.forms:
        if form.get("method", "").lower() == "post":
            assert 'name="csrfmiddlewaretoken"' in html


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_signup", "Sign Up"),
        ("account_login", "Sign In"),
        ("account_reset_password", "Password Reset"),
        ("account_reset_password_done", "Password Reset"),
        ("account_email_verification_sent", "Verify Your Email Address"),
    ],
)
def test_entrance_pages(client, url_name, heading):
    assert_site_page(client.get(reverse(url_name)), heading=heading)


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_logout", "Sign Out"),
        ("account_email", "Email Address"),
        ("account_change_password", "Change Password"),
        ("accounts:settings", "Account settings"),
        ("accounts:profile_edit", "Public profile"),
        ("accounts:delete", "Delete your account"),
    ],
)
def test_account_pages(client, user, url_name, heading):
    client.force_login(user)
    response = client.get(reverse(url_name))
    assert_site_page(response, heading=heading)
    if url_name != "account_logout":
        assert b'aria-label="Settings"' in response.content  # the settings menu


def test_settings_page_links_every_account_action(client, user):
    client.force_login(user)
    html = client.get(reverse("accounts:settings")).content.decode()
    for url in ["account_email", "account_change_password", "accounts:profile_edit", "accounts:delete"]:
        assert f'href="{reverse(url)}"' in html
    assert user.email in html and "Verified" in html


def test_confirm_email_page(client):
    from tests.factories import UserFactory

    user = UserFactory(email="new@example.com", verified=False)
    from allauth.account.models import EmailConfirmationHMAC

    key = EmailConfirmationHMAC(EmailAddress.objects.get(user=user)).key
    # Opening the link confirms at once (ACCOUNT_CONFIRM_EMAIL_ON_GET); opened again, the
    # page says the link is used up, in the site's layout.
    assert client.get(reverse("account_confirm_email", args=[key])).status_code == 302
    client.logout()
    assert_site_page(client.get(reverse("account_confirm_email", args=[key])), heading="Confirm Email Address")


def test_password_reset_from_key_pages(client, user, new_password):
    url = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    response = client.get(url, follow=True)
    assert_site_page(response, heading="Change Password")
    done = client.post(response.redirect_chain[-1][0], {"password1": new_password, "password2": "mismatch-123456"})
    assert done.status_code == 200
    assert b"You must type the same password each time" in done.content
    assert_site_page(client.get(reverse("account_reset_password_from_key_done")), heading="Change Password")


def test_change_email_sends_verification_to_the_new_address_and_keeps_the_old(client, user):
    from django.core import mail

    client.force_login(user)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "ada.new@example.com"})
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user, primary=True).email == "ada@example.com"
    assert not EmailAddress.objects.get(email="ada.new@example.com").verified
    assert mail.outbox[-1].to == ["ada.new@example.com"]
    page = client.get(reverse("account_email"))
    assert b"Changing to" in page.content and b"pending verification" in page.content

    link = next(w for w in mail.outbox[-1].body.split() if "/confirm-email/" in w)
    client.post(link)
    user.refresh_from_db()
    assert user.email == "ada.new@example.com"
    assert not EmailAddress.objects.filter(email="ada@example.com").exists()


def test_change_password_needs_the_old_one(client, user, password, new_password):
    client.force_login(user)
    url = reverse("account_change_password")
    wrong = client.post(url, {"oldpassword": "nope-nope-nope", "password1": new_password, "password2": new_password})
    assert wrong.status_code == 200
    assert b"Please type your current password" in wrong.content
    ok = client.post(url, {"oldpassword": password, "password1": new_password, "password2": new_password})
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_logout_is_a_post(client, user):
    client.force_login(user)
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_changing_to_an_address_another_account_uses_reveals_nothing(client, user, other_user):
    from django.test import Client

    from tests.factories import UserFactory

    from .conftest import without_csrf

    taken_client, free_client = Client(), Client()
    taken_client.force_login(user)
    free_client.force_login(UserFactory(email="free@example.com"))
    taken = taken_client.post(reverse("account_email"), {"action_add": "", "email": other_user.email})
    free = free_client.post(reverse("account_email"), {"action_add": "", "email": "unused@example.com"})
    assert taken.status_code == free.status_code == 302
    assert taken["Location"] == free["Location"]
    taken_page = without_csrf(taken_client.get(taken["Location"]).content)
    free_page = without_csrf(free_client.get(free["Location"]).content)
    normalize = [(other_user.email.encode(), b"NEW"), (b"unused@example.com", b"NEW")]
    normalize += [(user.email.encode(), b"OLD"), (b"free@example.com", b"OLD"), (b">ada<", b">X<"), (b">free<", b">X<")]
    for old, new in normalize:
        taken_page, free_page = taken_page.replace(old, new), free_page.replace(old, new)
    assert taken_page == free_page
    # The other account keeps its verified address.
    assert EmailAddress.objects.get(email=other_user.email, user=other_user).verified
