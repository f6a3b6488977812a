"""The developer home's onboarding checklist ticks from what a new member really does, in
a real browser: verify (the free credits arrive with it), create a key, call /v1 through
the ASGI server, stream in the Playground, start a thread. Activities are delivered by the
consumer beat runs every second in a deployment (called here between the steps)."""

import os
import re
import subprocess

import pytest
from django.core import mail
from openai import OpenAI

from community.activity.services import activity_events_flush
from community.forums.models import Category, CategoryKind
from sandbox.usage.services import usage_records_flush
from tests.apikeys.fixtures import echo_model  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "onboarding-passphrase-for-e2e-42"


def _done(page) -> dict[str, bool]:
    steps = page.locator("#onboarding [data-step]")
    return {
        steps.nth(i).get_attribute("data-step"): steps.nth(i).get_attribute("data-done") == "true"
        for i in range(steps.count())
    }


def _home(page, base):
    activity_events_flush()
    page.goto(base + "/")


def test_the_checklist_ticks_from_real_actions(live_server, asgi_server, celery_worker, page, echo_model, settings):  # noqa: F811
    from playwright.sync_api import expect

    settings.CREDITS_MONTHLY_FREE_GRANT = 5
    Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA, description="Questions")
    base = live_server.url

    # Sign up and open the link from the mail: verified, signed in, on the developer home.
    page.goto(base + "/")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email").fill("new.member@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.goto(re.search(r"http://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0))
    assert page.url == base + "/"
    expect(page.get_by_role("heading", name="Welcome to Atrium")).to_be_visible()
    expect(page.get_by_text("Welcome back")).to_have_count(0)
    assert _done(page) == dict.fromkeys(["verify", "key", "first_call", "stream", "fine_tune", "community"], False) | {
        "verify": True
    }
    expect(page.locator("[data-onboarding-progress]")).to_have_text("1 of 6 done")

    # The credits came with the verification (the billing app's reaction to it).
    _home(page, base)
    expect(page.locator("[data-metric=balance]")).to_have_text("5.0000")
    expect(page.locator("[data-metric=monthly-grant]")).to_have_text("Includes this month's 5.00 free credits.")
    page.screenshot(path="/tmp/atrium-e2e-onboarding.png", full_page=True)

    # The rest runs on the ASGI server (uvicorn, as deployed: the Playground streams there).
    base = asgi_server
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill("new.member@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    _home(page, base)
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()  # a second sign-in

    # Create a key from the checklist's link.
    page.locator("#onboarding").get_by_role("link", name="Create an API key").click()
    page.get_by_role("button", name="Create an API key").click()
    secret = page.locator("[data-api-key]").get_attribute("data-api-key")
    _home(page, base)
    assert _done(page)["key"] and not _done(page)["first_call"]

    # A real first call through the server; metering and the activity follow behind.
    client = OpenAI(base_url=f"{base}/v1", api_key=secret, max_retries=0, timeout=60)
    assert client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "first"}]).usage
    usage_records_flush()
    _home(page, base)
    assert _done(page)["first_call"]

    # Stream a reply in the Playground, from the checklist.
    page.locator("#onboarding").get_by_role("link", name="Try streaming in the Playground").click()
    expect(page.locator("#playground[data-state=idle]")).to_be_attached()
    page.select_option("#pg-model", "echo")
    page.fill("#pg-stop", "")
    page.get_by_label("Message", exact=True).fill("stream me")
    page.get_by_label("Message", exact=True).press("Enter")
    expect(page.locator(".pg-assistant .pg-content").last).to_have_text("stream me", timeout=30_000)
    expect(page.locator("#playground[data-state=idle]")).to_be_attached()
    _home(page, base)
    assert _done(page)["stream"]

    # Ask in the community, from the checklist.
    page.locator("#onboarding").get_by_role("link", name="Ask or answer in the community").click()
    page.get_by_role("link", name="New thread").click()
    page.get_by_label("Category").select_option(label="Q&A")
    page.fill("input[name=title]", "Which model should I fine-tune first?")
    page.fill("textarea[name=body]", "I have forty examples of our support tone. Where do I start?")
    page.get_by_role("button", name="Post thread").click()
    expect(page.locator("h1")).to_have_text("Which model should I fine-tune first?")
    _home(page, base)
    assert _done(page) == {
        "verify": True,
        "key": True,
        "first_call": True,
        "stream": True,
        "fine_tune": False,
        "community": True,
    }
    expect(page.locator("[data-onboarding-progress]")).to_have_text("5 of 6 done")
    expect(page.locator("#onboarding").get_by_role("link", name="Fine-tune a model")).to_have_attribute(
        "href", "/jobs/new/"
    )


def test_the_keys_page_fills_the_new_keys_snippet_which_runs_as_copied(
    asgi_server,
    celery_worker,
    page,
    user,
    password,
    echo_model,  # noqa: F811
):
    """The setup snippet shown after creating a key holds that key, and its Copy button
    copies text that runs as is (the same snippet the Getting started key box shows)."""
    from playwright.sync_api import expect

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{asgi_server}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("laptop")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-secret").input_value()
    snippet = page.locator("#new-key-snippet")
    expect(snippet).to_contain_text(f'export ATRIUM_API_KEY="{secret}"')
    expect(snippet).not_to_contain_text("…")

    page.locator("[data-copy=new-key-snippet]").click()
    expect(page.locator("[data-copy=new-key-snippet]")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == snippet.text_content()
    env = {name: value for name, value in os.environ.items() if name != "ATRIUM_API_KEY"}
    listed = subprocess.run(["bash", "-c", copied], env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and '"echo"' in listed.stdout, listed.stdout + listed.stderr
