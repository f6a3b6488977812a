"""The showcase in a real browser: a developer publishes an app with a screenshot, another
member upvotes it, a manager features it, and it shows in the featured gallery with its
screenshot; the author's points follow from the activities."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from community.activity.services import activity_events_flush
from community.forums.models import Category, CategoryKind
from community.rewards.models import PointsEntry
from community.showcase.models import Entry
from portal.accounts.roles import Role
from portal.accounts.services import user_set_role
from sandbox.registry.models import HostedModel
from tests.factories import PASSWORD
from tests.forums.conftest import make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _member_page(browser, base, email):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator("button[type=submit]").click()
    page.wait_for_load_state()
    return context, page


def test_publish_vote_feature_journey(browser, live_server, settings, tmp_path):
    settings.FORUM_FLOOD_SECONDS = 0
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    Category.objects.create(name="Showcase", slug="showcase", kind=CategoryKind.SHOWCASE)
    HostedModel.objects.create(model_id="atrium-chat", backend=HostedModel.Backend.ECHO)
    ada = make_member("ada@example.org", handle="ada")
    make_member("grace@example.org", handle="grace")
    manager = make_member("cm@example.org", handle="cm")
    user_set_role(user=manager, role=Role.COMMUNITY_MANAGER)
    screenshot = tmp_path / "screen.png"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), "#1b6ec2").save(buffer, format="PNG")
    screenshot.write_bytes(buffer.getvalue())

    # The developer publishes from the gallery's button.
    context, page = _member_page(browser, base, "ada@example.org")
    page.goto(f"{base}/")
    page.get_by_role("link", name="Showcase", exact=True).first.click()
    page.get_by_role("link", name="Publish your app").click()
    page.fill("input[name=title]", "Docs copilot")
    page.fill("input[name=tagline]", "Answers questions from your docs.")
    page.fill("textarea[name=description]", "Built with **streaming** replies.")
    page.fill("input[name=url]", "https://example.com/copilot")
    page.select_option("select[name=models]", "atrium-chat")
    page.fill("input[name=tags]", "rag, python")
    page.set_input_files("input[name=screenshots]", str(screenshot))
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#entry-title")).to_contain_text("Docs copilot")
    expect(page.locator("#entry-screenshots img")).to_have_count(1)
    expect(page.locator("#entry-thread")).to_be_visible()
    entry_url = page.url
    context.close()

    # Another member upvotes it.
    context, page = _member_page(browser, base, "grace@example.org")
    page.goto(entry_url)
    page.locator("#entry-vote").click()
    expect(page.locator("#entry-votes")).to_have_text("1 vote")
    expect(page.locator("#entry-vote")).to_have_attribute("aria-pressed", "true")
    context.close()

    # A manager features it; it shows in the featured gallery with its screenshot.
    context, page = _member_page(browser, base, "cm@example.org")
    page.goto(entry_url)
    page.locator("#entry-feature").click()
    expect(page.locator("#entry-featured")).to_be_visible()
    page.goto(f"{base}/showcase/?sort=featured")
    card = page.locator("article.showcase-entry")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Docs copilot")
    expect(card).to_contain_text("1 vote")
    loaded = card.locator("img").evaluate("img => img.complete && img.naturalWidth")
    assert loaded == 320
    context.close()

    activity_events_flush()
    entry = Entry.objects.get()
    assert (entry.vote_count, entry.is_featured) == (1, True)
    earned = dict(PointsEntry.objects.filter(user=ada).values_list("rule_key", "amount"))
    assert earned == {"showcase.entry.published": 15, "showcase.entry.upvoted": 5, "showcase.entry.featured": 50}
