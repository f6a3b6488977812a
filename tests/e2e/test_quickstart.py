"""Getting started, end to end in a real browser: a new visitor signs up, verifies their
address, follows the quickstart, creates a key on the page, runs the Python snippet the
page shows against this Atrium, and sees the model's reply."""

import io
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from sandbox.usage.models import UsageRecord
from sandbox.usage.services import usage_records_flush

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "quickstart-passphrase-for-docs-42"


def test_new_visitor_goes_from_home_page_to_a_working_first_call(live_server, celery_worker, page):
    from playwright.sync_api import expect

    # The models `make run` registers: the snippet calls the default one.
    call_command("prepare_models", stdout=io.StringIO())

    # Home page -> Getting started.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Read the docs").click()
    if "/docs/getting-started/" not in page.url:  # the docs home links to it too
        page.get_by_role("link", name="Get started in five minutes").click()
    expect(page.get_by_role("heading", name="Getting started", level=1)).to_be_visible()

    # Step 1 of the guide: sign up from the key box, verify the address from the mail.
    page.locator("#quickstart-key").get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("first.call@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    link = re.search(r"http://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    # Back to the guide, signed in: it shows this site's base URL in the examples.
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Docs", exact=True).click()
    page.get_by_role("link", name="Getting started").first.click()
    expect(page.locator("#quickstart-create-key")).to_be_visible()
    expect(page.locator("article")).to_contain_text(f"{live_server.url}/v1")

    # Step 2: one click creates a key; the secret is shown once, on the page.
    page.locator("#quickstart-create-key").click()
    secret = page.locator("#quickstart-secret").inner_text().strip()
    assert secret.startswith("atr_live_")
    expect(page.locator("#quickstart-export")).to_contain_text(f'export ATRIUM_API_KEY="{secret}"')

    # Step 4: pick the Python (openai) tab and copy what it shows.
    first_call = page.locator("h2[id='4-make-your-first-call'] ~ .tabbed-set").first
    first_call.get_by_text("Python (openai)", exact=True).click()
    snippet = first_call.locator(".tabbed-block:visible code").inner_text()
    assert "from openai import OpenAI" in snippet and f"{live_server.url}/v1" in snippet

    env = {**os.environ, "ATRIUM_API_KEY": secret}
    result = subprocess.run([sys.executable, "-c", snippet], env=env, capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "the snippet prints the model's answer"
    usage_records_flush()
    assert set(UsageRecord.objects.filter(status_code=200).values_list("model_id", flat=True)) == {
        settings.DEFAULT_CHAT_MODEL
    }

    # The key now exists, and the page shows only its prefix from here on.
    page.reload()
    expect(page.locator("article")).to_contain_text(f"{secret[:15]}…")
    expect(page.locator("article")).not_to_contain_text(secret)


def test_docs_read_and_switch_tabs_without_javascript(live_server, browser):
    """With JavaScript off, code tabs still switch (CSS + radio inputs), the TOC jumps to
    headings, and the feedback form posts."""
    from playwright.sync_api import expect

    from portal.docs.models import PageFeedback

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/docs/chat-completions/")
        tabs = page.locator(".tabbed-set").first
        expect(tabs.locator(".tabbed-block").nth(0)).to_be_visible()
        expect(tabs.locator(".tabbed-block").nth(3)).to_be_hidden()
        tabs.get_by_text("JavaScript", exact=True).click()
        expect(tabs.locator(".tabbed-block").nth(3)).to_be_visible()
        expect(tabs.locator(".tabbed-block").nth(0)).to_be_hidden()

        page.locator("nav.docs-toc").get_by_role("link", name="Streaming").click()
        assert page.url.endswith("#streaming")
        expect(page.locator("h2#streaming")).to_be_in_viewport()

        page.get_by_label("No").check()
        page.get_by_label("Anything we should add or fix? (optional)").fill("A Go example, please.")
        page.get_by_role("button", name="Send feedback").click()
        expect(page.get_by_text("Thank you for your feedback.")).to_be_visible()
        feedback = PageFeedback.objects.get()
        assert (feedback.page_slug, feedback.helpful, feedback.comment) == (
            "chat-completions",
            False,
            "A Go example, please.",
        )
    finally:
        context.close()
