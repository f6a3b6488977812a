"""The language is a preference: a year-long cookie for anyone, saved to a member's account,
applied wherever they log in."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

COOKIE = settings.LANGUAGE_COOKIE_NAME
YEAR = 365 * 24 * 3600


def choose(client, language, next_url="/docs/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_an_anonymous_choice_is_a_cookie_kept_for_a_year(client, db):
    response = choose(client, "zh-hans")
    assert response.status_code == 302 and response["Location"] == "/docs/"
    cookie = response.cookies[COOKIE]
    assert cookie.value == "zh-hans"
    assert cookie["max-age"] == YEAR  # persistent: survives closing the browser
    assert cookie["samesite"] == "Lax"
    assert '<html lang="zh-hans"' in client.get("/docs/").content.decode()


def test_without_a_cookie_the_browser_language_decides(client, db):
    html = client.get("/docs/", headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"}).content.decode()
    assert '<html lang="zh-hans"' in html
    client.cookies[COOKIE] = "en"
    html = client.get("/docs/", headers={"accept-language": "zh-CN,zh;q=0.9"}).content.decode()
    assert '<html lang="en"' in html


def test_a_member_choice_in_the_header_is_saved_to_the_account(client, user):
    client.force_login(user)
    response = choose(client, "zh-hans", next_url="/keys/")
    assert response.cookies[COOKIE].value == "zh-hans"
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_settings_offer_the_language_and_save_it(client, user):
    client.force_login(user)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert 'name="language"' in page and 'value="zh-hans"' in page and "Save language" in page
    response = choose(client, "zh-hans", next_url=reverse("accounts:settings"))
    assert response["Location"] == reverse("accounts:settings")
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "保存语言" in page and '<option value="zh-hans" lang="zh-hans" selected>' in page
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_an_unknown_language_changes_nothing(client, user):
    client.force_login(user)
    response = choose(client, "xx-evil")
    assert response.status_code == 302 and COOKIE not in response.cookies
    user.refresh_from_db()
    assert user.language == ""


def test_the_chooser_needs_a_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert choose(client, "zh-hans").status_code == 403
    user.refresh_from_db()
    assert user.language == ""


def test_logging_in_on_a_new_browser_applies_the_saved_language(db):
    member = UserFactory(email="lin@example.com", language="zh-hans")
    browser = Client()  # no cookies: a browser the member never used
    response = browser.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[COOKIE]
    assert cookie.value == "zh-hans" and cookie["max-age"] == YEAR
    assert '<html lang="zh-hans"' in browser.get(response["Location"]).content.decode()
    # The account's choice wins over an earlier choice made on this browser while signed out.
    other = Client()
    choose(other, "en")
    response = other.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.cookies[COOKIE].value == "zh-hans"


def test_a_member_who_never_chose_keeps_this_browsers_choice_and_it_is_saved(client, db):
    member = UserFactory(email="sam@example.com")
    choose(client, "zh-hans")
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.language == "zh-hans"


@pytest.mark.parametrize("language", ["", "zh-hans"])
def test_logging_in_without_a_saved_or_chosen_language_sets_no_cookie(client, db, language):
    member = UserFactory(email="kim@example.com", language=language)
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert (COOKIE in response.cookies) is bool(language)
