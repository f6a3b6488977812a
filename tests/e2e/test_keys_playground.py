"""A developer creates a key, chats in the Playground, and sees the calls on the usage page,
in Chromium against the real ASGI server and Celery worker."""

import re

import pytest
from openai import OpenAI

from tests.apikeys.fixtures import echo_model  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/atrium-e2e"


def test_create_key_use_playground_and_see_usage(page, asgi_server, celery_worker, user, password, echo_model):  # noqa: F811
    from playwright.sync_api import expect

    from sandbox.usage.models import UsageRecord
    from sandbox.usage.services import usage_records_flush

    page.goto(f"{asgi_server}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r".*/$"))

    # Create a key: the secret is shown once.
    page.goto(f"{asgi_server}/keys/")
    page.get_by_label("Name").fill("e2e laptop")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_role("heading", name="Your new API key")).to_be_visible()
    secret = page.locator("#new-secret").input_value()
    assert secret.startswith("atr_live_")
    page.screenshot(path=f"{SCREENSHOTS}-key-created.png", full_page=True)

    # The key works with the openai SDK.
    client = OpenAI(base_url=f"{asgi_server}/v1", api_key=secret, max_retries=0)
    assert client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "ping"}]).usage

    # The Playground streams the echo model's answer and shows equivalent code.
    page.goto(f"{asgi_server}/playground/")
    expect(page.locator("#playground[data-state=idle]")).to_be_attached()
    page.select_option("#pg-model", "echo")
    page.fill("#pg-stop", "")
    page.get_by_label("Message", exact=True).fill("hello brave new world")
    page.get_by_label("Message", exact=True).press("Enter")
    expect(page.locator(".pg-assistant .pg-content").last).to_have_text("hello brave new world")
    expect(page.locator("#pg-error")).to_be_hidden()
    expect(page.locator("#pg-curl")).to_contain_text("/v1/chat/completions")
    expect(page.locator("#pg-curl")).to_contain_text("hello brave new world")
    page.get_by_role("tab", name="Python").click()
    expect(page.locator("#pg-python")).to_contain_text("client.chat.completions.create(")
    page.screenshot(path=f"{SCREENSHOTS}-playground.png", full_page=True)

    # Metering is written behind the request path; beat would flush within seconds.
    usage_records_flush()
    assert UsageRecord.objects.filter(user=user).count() == 2
    page.goto(f"{asgi_server}/usage/")
    expect(page.locator("[data-total=requests]")).to_have_text("2")
    expect(page.locator("#by-key")).to_contain_text("Playground")
    expect(page.locator("#by-key")).to_contain_text("e2e laptop")
    expect(page.locator("#by-model")).to_contain_text("echo")
    assert page.evaluate("() => Chart.getChart('chart-requests').data.datasets[0].data.reduce((a, b) => a + b, 0)") == 2
    page.screenshot(path=f"{SCREENSHOTS}-usage.png", full_page=True)

    page.goto(f"{asgi_server}/keys/")
    row = page.locator("#keys-table tr", has_text="e2e laptop")
    expect(row).to_contain_text("atr_live_")
    assert secret not in page.content()
