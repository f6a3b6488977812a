"""In a real browser: one member asks, another answers with a code block and a mention,
the asker accepts it, and both see the right notifications under the bell."""

import re

import pytest
from playwright.sync_api import expect

from community.activity.services import activity_events_flush
from community.forums.models import Category, CategoryKind, Thread
from tests.factories import PASSWORD
from tests.forums.conftest import make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_ask_answer_mention_accept_and_notifications(browser, live_server):
    base = live_server.url
    Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA, description="Questions")
    make_member("ada@example.org", handle="ada")
    make_member("grace@example.org", handle="grace")
    ada_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    grace_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ada, grace = ada_ctx.new_page(), grace_ctx.new_page()
    for p in (ada, grace):
        p.set_default_timeout(15_000)
    try:
        # Ada asks.
        _log_in(ada, base, "ada@example.org")
        ada.goto(f"{base}/community/new/?category=qa")
        ada.fill("input[name=title]", "How do I stream tokens with the Python SDK?")
        ada.fill("textarea[name=body]", "I pass `stream=True` but only get **one** chunk back.")
        expect(ada.locator("#preview-id_body strong")).to_have_text("one")  # live preview (htmx)
        ada.get_by_role("button", name="Post thread").click()
        expect(ada.locator("h1")).to_have_text("How do I stream tokens with the Python SDK?")
        thread = Thread.objects.get()

        # Grace answers with a code block and a mention.
        _log_in(grace, base, "grace@example.org")
        grace.goto(f"{base}{thread.get_absolute_url()}")
        grace.fill(
            "#reply textarea[name=body]",
            "@ada iterate over the stream:\n\n```python\nfor chunk in client.chat.completions.create("
            "stream=True):\n    print(chunk)\n```",
        )
        expect(grace.locator("#reply .preview-pane .highlight")).to_be_visible()
        grace.get_by_role("button", name="Post reply").click()
        answer = grace.locator("article.forum-post").nth(1)
        expect(answer.locator(".highlight .k", has_text="for")).to_be_visible()
        expect(answer.locator("a.mention")).to_have_text("@ada")

        # Ada sees the mention (not a second notification for the reply) beside her First
        # Question badge, opens the mention, accepts.
        activity_events_flush()  # the activity consumer, which beat runs every second in a deployment
        ada.goto(f"{base}/community/")
        expect(ada.locator("#notification-bell .badge")).to_have_text("2")
        ada.locator("#notification-bell").click()
        expect(ada.locator("#notifications li")).to_have_count(2)
        expect(ada.locator("#notifications li", has_text="First Question")).to_have_count(1)
        mention = ada.locator("#notifications li", has_text="mentioned you")
        expect(mention).to_have_count(1)
        mention.locator("a").first.click()
        expect(ada).to_have_url(re.compile(r"/community/t/\d+/.+#post-\d+$"))
        ada.get_by_role("button", name="Accept answer").click()
        expect(ada.locator(".accepted-answer")).to_contain_text("iterate over the stream")
        expect(ada.locator("#notification-bell .badge")).to_have_text("1")  # the mention is read; the badge is not

        # Grace is told her answer was accepted (and, earlier, that it earned First Answer).
        activity_events_flush()
        grace.goto(f"{base}/community/")
        expect(grace.locator("#notification-bell .badge")).to_have_text("2")
        grace.locator("#notification-bell").click()
        expect(grace.locator("#notifications li").first).to_contain_text("was accepted")
        expect(grace.locator("#notifications li")).to_have_count(2)
        expect(grace.locator("#notifications li", has_text="First Answer")).to_have_count(1)
    finally:
        ada_ctx.close()
        grace_ctx.close()
