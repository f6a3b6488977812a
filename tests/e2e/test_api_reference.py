"""The API reference (Redoc) in Chromium: nothing is fetched from another host, the tags
read as one set, and the request samples are code naming the default model."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/atrium-e2e"


def test_the_api_reference_fetches_nothing_from_another_host(browser, asgi_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    requested, violations = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    try:
        page.goto(f"{asgi_server}/docs/api/")
        # Redoc renders the whole reference at once: seconds on a busy CPU.
        expect(page.locator("#redoc-container .api-content")).to_contain_text("chat/completions", timeout=30_000)
        # Redoc's sidebar footer is there, without the logo it would load from its CDN.
        expect(page.locator("#redoc-container")).to_contain_text("API docs by Redocly")
        page.wait_for_load_state("networkidle")
        expect(page.locator("#redoc-container img[src*='redoc.ly']")).to_have_count(0)
        # Tags read as one set of names, and the samples are code with a real model id.
        expect(page.locator("#redoc-container .menu-content")).to_contain_text("Fine-tuning")
        samples = page.locator("#redoc-container [data-section-id='tag/Chat/operation/createChatCompletion']")
        expect(samples.get_by_role("tab", name="curl")).to_be_visible()
        samples.get_by_role("tab", name="Python (openai)").click()
        expect(samples).to_contain_text("client.chat.completions.create(")
        expect(samples).to_contain_text(f'model="{settings.DEFAULT_CHAT_MODEL}"')
        page.screenshot(path=f"{SCREENSHOTS}-api-reference.png")
    finally:
        context.close()
    ours = urlsplit(asgi_server).netloc
    elsewhere = [url for url in requested if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != ours]
    assert requested and elsewhere == [], elsewhere
    assert violations == []
