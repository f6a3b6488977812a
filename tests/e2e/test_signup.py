"""A new visitor signs up in a real browser, verifies their address from the mail, logs
in, edits their profile and sees it on their public page."""

import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-and-unusual-passphrase-42"
SCREENSHOTS = "/tmp/atrium-e2e"


def test_visitor_signs_up_verifies_logs_in_and_edits_profile(live_server, page):
    from playwright.sync_api import expect

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Sign Up")).to_be_visible()

    # A weak password is refused with a clear error, and the email typed is kept.
    page.get_by_label("Email").fill("Lin.Dev@Example.com")
    page.get_by_label("Password", exact=True).fill("password")
    page.get_by_label("Password (again)").fill("password")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_text("This password is too short")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("Lin.Dev@Example.com")
    assert mail.outbox == []

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}-verification-sent.png", full_page=True)

    # The verification link from the mail.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lin.dev@example.com"]
    link = re.search(r"http://\S+/accounts/confirm-email/\S+", mail.outbox[0].body).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)  # confirms on opening: no second "Confirm" click

    # Signed in, on the developer home; sign out, then sign in with the form.
    expect(page.get_by_role("heading", name="Welcome to Atrium")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", name="Sign In")).to_be_visible()
    # Keyboard only: the email field, Tab to the password, Enter submits.
    page.get_by_label("Email").focus()
    page.keyboard.type("lin.dev@example.com")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.screenshot(path=f"{SCREENSHOTS}-login.png", full_page=True)
    page.keyboard.press("Enter")

    # Lands on the developer's home; the profile editor shows the generated avatar.
    expect(page.locator("#onboarding")).to_be_visible()
    page.goto(live_server.url + "/settings/profile/")
    expect(page.get_by_role("heading", name="Public profile")).to_be_visible()
    avatar = page.locator("main img.avatar").first
    expect(avatar).to_be_visible()
    # Decoded, not merely in the DOM (a broken image never gets a width; a slow one gets it late).
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=avatar.element_handle(), timeout=10_000)

    page.get_by_label("Display name").fill("Lin Developer")
    page.get_by_label("Handle").fill("admin")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("is reserved")).to_be_visible()
    expect(page.get_by_label("Display name")).to_have_value("Lin Developer")

    page.get_by_label("Handle").fill("lin-dev")
    page.get_by_label("Bio").fill("I fine-tune small models for code review.")
    page.get_by_label("GitHub").fill("https://github.com/lin-dev")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile was saved.")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}-profile-edit.png", full_page=True)

    page.get_by_role("link", name="View your public profile").click()
    assert page.url == f"{live_server.url}/u/lin-dev/"
    expect(page.get_by_role("heading", name="Lin Developer")).to_be_visible()
    expect(page.get_by_text("I fine-tune small models for code review.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("GitHub"))).to_have_attribute("href", "https://github.com/lin-dev")
    page.screenshot(path=f"{SCREENSHOTS}-profile.png", full_page=True)


def test_member_deletes_their_account_from_settings(live_server, page):
    from playwright.sync_api import expect

    from portal.accounts.models import User
    from tests.factories import PASSWORD as MEMBER_PASSWORD
    from tests.factories import UserFactory

    UserFactory(email="leaving@example.com")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("leaving@example.com")
    page.get_by_label("Password").fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    page.goto(live_server.url + "/settings/")
    page.get_by_role("link", name="Delete your account…").click()
    expect(page.get_by_role("heading", name="Delete your account")).to_be_visible()
    page.get_by_label("Your email address").fill("someone-else@example.com")
    page.get_by_label("Your password").fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("This is not your account's email address.")).to_be_visible()
    assert User.objects.filter(email="leaving@example.com").exists()

    page.get_by_label("Your email address").fill("leaving@example.com")
    page.get_by_label("Your password").fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account and its personal data have been deleted.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert not User.objects.filter(email="leaving@example.com").exists()
    assert [m.to for m in mail.outbox] == [["leaving@example.com"]]
