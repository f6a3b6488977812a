"""Getting started in a real browser: a key created on the page fills step 3 and every
example that reads the key, every Copy button copies exactly what its block shows, and each
example copied alone runs against this Atrium as copied (shell and Python), with no
ATRIUM_API_KEY in the environment. After a reload the secret is gone (hashed at rest): no Copy
button copies an abbreviated key, and the page says how to get one."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

from sandbox.usage.models import UsageRecord
from sandbox.usage.services import usage_records_flush
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A code tab that is not selected hides its block: select it by the label at the block's index.
REVEAL_TAB = """button => {
  const block = button.closest(".tabbed-block");
  if (!block) return;
  const index = [...block.parentElement.children].indexOf(block);
  block.closest(".tabbed-set").querySelectorAll(".tabbed-labels > label")[index].click();
}"""


def copy_every_snippet(page) -> dict[str, str]:
    """Click every Copy button in the page's article; returns what each put on the
    clipboard, by the id of its code block, after checking it is exactly the text shown."""
    copied = {}
    buttons = page.locator("article button[data-copy]")
    assert buttons.count() >= 7  # base URL, step 3, four languages, sample output (+ the new key)
    for index in range(buttons.count()):
        button = buttons.nth(index)
        if not button.is_visible():
            button.evaluate(REVEAL_TAB)
        page.evaluate("navigator.clipboard.writeText('')")
        button.click()
        text = page.evaluate("navigator.clipboard.readText()")
        assert text == button.evaluate("b => document.getElementById(b.dataset.copy).textContent")
        copied[button.get_attribute("data-copy")] = text
    return copied


def step3(page):
    return page.locator("h2[id='3-put-the-key-in-your-environment'] ~ .highlight code").first


def test_a_key_created_on_getting_started_fills_every_snippet_and_runs_as_copied(
    live_server, celery_worker, clipboard_page
):
    from playwright.sync_api import expect

    page = clipboard_page
    call_command("prepare_models", stdout=io.StringIO())  # the default model the snippets call
    UserFactory(email="quick.start@example.com")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("quick.start@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Docs", exact=True).click()
    page.get_by_role("link", name="Getting started").first.click()
    expect(step3(page)).to_have_text('export ATRIUM_API_KEY="YOUR_API_KEY"')

    # One click creates the key; the key box holds it, and step 3 is filled from it.
    page.get_by_role("button", name="Create an API key").click()
    secret = page.locator("#quickstart-secret").inner_text().strip()
    assert secret.startswith("atr_live_")
    expect(page.locator("[data-api-key]")).to_have_attribute("data-api-key", secret)
    expect(step3(page)).to_have_text(f'export ATRIUM_API_KEY="{secret}"')
    expect(page.locator("[data-key-filled]")).to_be_visible()

    copied = copy_every_snippet(page)
    for text in copied.values():
        assert "YOUR_API_KEY" not in text and "…" not in text
        assert "$ATRIUM_API_KEY" not in text or text == copied["quickstart-export"]
        assert 'environ["ATRIUM_API_KEY"]' not in text and "process.env" not in text
    export = copied[step3(page).get_attribute("id")]
    assert export == f'export ATRIUM_API_KEY="{secret}"\n'
    assert copied["quickstart-secret"] == secret
    curl = next(text for text in copied.values() if text.startswith("curl ") and "/chat/completions" in text)
    python = next(text for text in copied.values() if "from openai import OpenAI" in text)
    hub = next(text for text in copied.values() if "from huggingface_hub import" in text)
    node = next(text for text in copied.values() if "await fetch(" in text)
    assert f'-H "Authorization: Bearer {secret}"' in curl
    assert f'api_key="{secret}")' in python and f'api_key="{secret}")' in hub
    assert f'"Authorization": `Bearer ${{"{secret}"}}`,' in node
    # Filled across the highlighter's spans, and the spans keep their colours.
    curl_block = page.locator(".docs-content pre code", has_text="/chat/completions").filter(has_text="curl").first
    assert curl_block.locator("span.nv", has_text=secret).count() == 1

    # Run as copied, each on its own in a fresh shell with no ATRIUM_API_KEY in its environment:
    # step 4's curl, the Python file, and the key box's own setup snippet.
    env = {key: value for key, value in os.environ.items() if key != "ATRIUM_API_KEY"}
    shell = subprocess.run(["bash", "-c", curl], env=env, capture_output=True, text=True, timeout=120)
    assert shell.returncode == 0 and '"chat.completion"' in shell.stdout, shell.stdout + shell.stderr
    ran = subprocess.run([sys.executable, "-c", python], env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0 and ran.stdout.strip(), ran.stderr
    key_box = subprocess.run(["bash", "-c", copied["quickstart-export"]], env=env, capture_output=True, text=True)
    assert key_box.returncode == 0 and settings.DEFAULT_CHAT_MODEL in key_box.stdout, key_box.stderr
    usage_records_flush()
    assert list(UsageRecord.objects.order_by("created_at").values_list("endpoint", "status_code")) == [
        ("chat.completions", 200),
        ("chat.completions", 200),
        ("models", 200),
    ]

    # After a reload the secret is gone: the placeholder and how to get a key, never an abbreviation.
    page.reload()
    expect(page.locator("article")).not_to_contain_text(secret)
    expect(page.locator("[data-api-key]")).to_have_count(0)
    expect(step3(page)).to_have_text('export ATRIUM_API_KEY="YOUR_API_KEY"')
    expect(page.locator(".docs-content pre code").filter(has_text="curl").first).to_contain_text("$ATRIUM_API_KEY")
    expect(page.locator(".docs-content pre code", has_text="from openai import OpenAI")).to_contain_text(
        'api_key=os.environ["ATRIUM_API_KEY"]'
    )
    expect(page.locator("#quickstart-key-lost")).to_contain_text(f"Your key starting with {secret[:15]} was shown once")
    expect(page.get_by_role("button", name="Create an API key")).to_be_visible()
    for text in copy_every_snippet(page).values():
        assert "…" not in text and secret[:15] not in text


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
