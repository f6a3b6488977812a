"""The Playground keeps its height however long a reply is, shows each reply's tokens,
timings and cost, and its code panel stays inside the page. In Chromium against the real
ASGI server and Celery worker."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from portal.billing.services import credits_grant
from sandbox.registry.models import HostedModel
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/atrium-e2e"
# A long reply: the echo model repeats the message, 400 long words.
LONG_MESSAGE = " ".join(f"word{index:03d}-" + "x" * 50 for index in range(400))


@pytest.fixture
def echo_models(transactional_db):
    """Two chat models, so that choosing one is not the Playground's default by chance."""
    common = {"backend": HostedModel.Backend.ECHO, "context_length": 4096, "max_output_tokens": 1000}
    return [
        HostedModel.objects.create(model_id="echo", price_per_1k_tokens=Decimal("0"), **common),
        HostedModel.objects.create(
            model_id="echo-priced",
            display_name="Echo, priced",
            price_per_1k_tokens=Decimal("0.5"),
            **common,
        ),
    ]


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r".*/$"))


def test_a_long_reply_scrolls_in_the_chat_pane_and_shows_its_metrics(page, asgi_server, celery_worker, echo_models):
    user = UserFactory(email="pg@example.org")
    credits_grant(user=user, amount=Decimal("10"), reason="test")
    log_in(page, asgi_server, user.email)
    page.goto(f"{asgi_server}/playground/?model=echo-priced")
    expect(page.locator("#playground[data-state=idle]")).to_be_attached()
    page.fill("#pg-max-tokens", "1000")
    page.fill("#pg-stop", "")
    page.get_by_label("Message", exact=True).fill(LONG_MESSAGE)
    page.get_by_label("Message", exact=True).press("Enter")
    expect(page.locator("#pg-error")).to_be_hidden()
    reply = page.locator(".pg-assistant .pg-content").last
    expect(reply).to_contain_text("word399-", timeout=30_000)
    assert reply.text_content() == LONG_MESSAGE
    metrics = page.locator(".pg-assistant .pg-metrics").last
    expect(metrics).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}-playground-long.png", full_page=True)

    # The page stays about one screen tall; the conversation scrolls inside its pane, which
    # follows the reply to its end.
    sizes = page.evaluate(
        """() => {
          const pane = document.getElementById("pg-messages");
          return {page: document.documentElement.scrollHeight, viewport: window.innerHeight,
                  pane: pane.scrollHeight, visible: pane.clientHeight, top: pane.scrollTop,
                  width: document.documentElement.scrollWidth, viewportWidth: window.innerWidth};
        }"""
    )
    assert sizes["page"] < 2 * sizes["viewport"], sizes
    assert sizes["pane"] > 3 * sizes["visible"], sizes
    assert sizes["top"] + sizes["visible"] >= sizes["pane"] - 2, sizes
    assert sizes["width"] <= sizes["viewportWidth"], sizes

    # Tokens from the stream's usage chunk, timings measured in the page, cost at the
    # model's price (400 + 400 tokens at 0.5 per 1K).
    assert metrics.get_attribute("data-prompt-tokens") == "400"
    assert metrics.get_attribute("data-completion-tokens") == "400"
    assert metrics.get_attribute("data-cost") == "0.400000"
    ttft, total = int(metrics.get_attribute("data-ttft-ms")), int(metrics.get_attribute("data-total-ms"))
    assert 0 <= ttft <= total
    expect(metrics).to_contain_text("400 prompt + 400 completion")
    expect(metrics).to_contain_text("0.400000 credits")

    # The code panel keeps its long lines inside its box, scrolling sideways.
    box = page.evaluate(
        """() => {
          const pre = document.querySelector("#pg-code-curl pre");
          const column = pre.closest(".pg-code").getBoundingClientRect();
          const rect = pre.getBoundingClientRect();
          return {right: rect.right, columnRight: column.right, scrolls: pre.scrollWidth > pre.clientWidth};
        }"""
    )
    assert box["right"] <= box["columnRight"] + 1 and box["scrolls"], box
    expect(page.locator("#pg-curl")).to_contain_text('"include_usage": true')
