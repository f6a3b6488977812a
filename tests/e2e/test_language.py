"""The language is a preference in a real browser: a member's choice in the header follows
them to a browser they never used, and a visitor's choice survives closing the browser."""

import time

import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

YEAR = 365 * 24 * 3600


def language_cookie(context):
    return next(c for c in context.cookies() if c["name"] == "django_language")


def log_in(page, base_url, email):
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def test_a_members_choice_applies_when_they_log_in_on_a_new_browser(live_server, browser):
    from playwright.sync_api import expect

    member = UserFactory(email="lin@example.com")
    first = browser.new_context(locale="en-US")
    page = first.new_page()
    log_in(page, live_server.url, member.email)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # The header's chooser (a form that submits on change, through atrium.js).
    page.locator("#lang-switch").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    first.close()
    member.refresh_from_db()
    assert member.language == "zh-hans"

    # A browser with no cookies at all, asking for English: logging in brings the choice.
    second = browser.new_context(locale="en-US")
    page = second.new_page()
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    log_in(page, live_server.url, member.email)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.goto(live_server.url + "/settings/")
    expect(page.get_by_role("heading", name="账户设置")).to_be_visible()
    expect(page.locator("#settings-language")).to_have_value("zh-hans")
    cookie = language_cookie(second)
    assert cookie["value"] == "zh-hans" and cookie["expires"] > time.time() + YEAR - 3600

    # Back to English from Settings: saved to the account too.
    page.locator("#settings-language").select_option("en")
    page.get_by_role("button", name="保存语言").click()
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()
    second.close()
    member.refresh_from_db()
    assert member.language == "en"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_visitors_choice_survives_closing_the_browser(live_server, browser, javascript):
    from playwright.sync_api import expect

    context = browser.new_context(locale="en-US", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_server.url + "/docs/")
    page.locator("#lang-switch").select_option("zh-hans")
    if not javascript:
        page.get_by_role("button", name="Go").click()  # the chooser's <noscript> button
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.url == live_server.url + "/docs/"
    cookie = language_cookie(context)
    assert cookie["expires"] > time.time() + YEAR - 3600  # persistent, not a session cookie
    # Closing the browser keeps persistent cookies only: a session cookie would be gone.
    kept = [c for c in context.storage_state()["cookies"] if c["expires"] != -1]
    context.close()

    reopened = browser.new_context(locale="en-US", storage_state={"cookies": kept, "origins": []})
    page = reopened.new_page()
    page.goto(live_server.url + "/docs/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("link", name="文档").first).to_be_visible()
    reopened.close()
