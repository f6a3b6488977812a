"""Contribution rewards, as a developer lives them in a real browser: they answer a question,
the asker accepts it, the points show on their rewards page, a badge and the notifications
arrive under the bell, and they redeem points for compute credits that the usage page then
shows. Activities are delivered by the real consumer task on a real Celery worker (beat
runs it every second in a deployment; here the test enqueues it between the steps)."""

import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from community.activity.services import STREAM, events_stream
from community.activity.tasks import flush
from community.forums.models import Category, CategoryKind, Thread
from community.forums.services import thread_create
from community.store.models import ItemKind, StoreItem
from portal.redis_client import get_redis
from tests.factories import PASSWORD
from tests.forums.conftest import make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator("button[type=submit]").click()
    page.wait_for_load_state()


def _deliver(timeout: float = 30) -> None:
    """Run the activity consumer on the Celery worker and wait until it has stored and
    handled everything recorded so far (entries leave the stream once their handlers ran)."""
    redis = get_redis()
    flush.delay()
    deadline = time.monotonic() + timeout
    while redis.xlen(STREAM) or events_stream.pending_count():
        if time.monotonic() > deadline:
            raise AssertionError("the worker did not deliver the activities in time")
        time.sleep(0.1)


def test_answer_accept_points_badge_and_credits(browser, live_server, celery_worker, settings):
    settings.FORUM_FLOOD_SECONDS = 0
    base = live_server.url
    qa = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA, description="Questions")
    ada = make_member("ada@example.org", handle="ada")
    make_member("grace@example.org", handle="grace")
    credits = StoreItem.objects.create(
        kind=ItemKind.CREDITS, name="Compute credits", slug="compute-credits", points_price=10, credit_amount="1.00"
    )
    thread = thread_create(
        author=ada,
        category=qa,
        title="How do I stream tokens with the Python SDK?",
        body="I pass `stream=True` but only get one chunk back.",
    )
    _deliver()

    ada_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    grace_ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    ada_page, grace = ada_ctx.new_page(), grace_ctx.new_page()
    for p in (ada_page, grace):
        p.set_default_timeout(15_000)
    try:
        # Grace answers.
        _log_in(grace, base, "grace@example.org")
        grace.goto(f"{base}/usage/")
        credits_before = Decimal(grace.locator("#credit-balance").inner_text())
        grace.goto(f"{base}{thread.get_absolute_url()}")
        grace.fill("#reply textarea[name=body]", "Iterate over the stream and print each chunk's delta.")
        grace.get_by_role("button", name="Post reply").click()
        expect(grace.locator("article.forum-post").nth(1)).to_contain_text("Iterate over the stream")

        # Ada accepts it.
        _deliver()
        _log_in(ada_page, base, "ada@example.org")
        ada_page.goto(f"{base}{thread.get_absolute_url()}")
        ada_page.get_by_role("button", name="Accept answer").click()
        expect(ada_page.locator(".accepted-answer")).to_contain_text("Iterate over the stream")
        _deliver()

        # Grace sees the points: reputation and balance, and why.
        grace.goto(f"{base}/rewards/")
        expect(grace.locator("#reputation")).to_have_text("15")
        expect(grace.locator("#balance")).to_have_text("15")
        expect(grace.get_by_text("Your answer was accepted").first).to_be_visible()

        # The bell: the accepted answer and the First Answer badge.
        expect(grace.locator("#notification-bell .badge")).to_have_text("2")
        grace.locator("#notification-bell").click()
        notifications = grace.locator("#notifications li")
        expect(notifications).to_have_count(2)
        expect(notifications.filter(has_text="was accepted")).to_have_count(1)
        badge = notifications.filter(has_text="First Answer")
        expect(badge).to_have_count(1)
        badge.locator("a").first.click()
        expect(grace).to_have_url(re.compile(r"/rewards/badges/first-answer/$"))
        expect(grace.locator("#badge-holders")).to_contain_text("Grace")

        # Grace redeems 10 points for 1.00 compute credits in the store.
        grace.goto(f"{base}/rewards/store/")
        grace.locator(f"#item-{credits.slug}").get_by_role("link", name="Redeem").click()
        grace.get_by_role("button", name="Redeem for 10 points").click()
        expect(grace).to_have_url(re.compile(r"/rewards/store/redemptions/"))
        expect(grace.get_by_text("Redeemed “Compute credits” for 10 points.")).to_be_visible()

        # The usage page shows the new credit balance; the points are spent, the reputation stays.
        grace.goto(f"{base}/usage/")
        expect(grace.locator("#credit-balance")).to_have_text(f"{credits_before + Decimal('1.00'):.4f}")
        grace.goto(f"{base}/rewards/")
        expect(grace.locator("#balance")).to_have_text("5")
        expect(grace.locator("#reputation")).to_have_text("15")
        grace.screenshot(path="/tmp/atrium-e2e-rewards.png", full_page=True)
    finally:
        ada_ctx.close()
        grace_ctx.close()
    assert Thread.objects.get(pk=thread.pk).accepted_answer_id is not None
