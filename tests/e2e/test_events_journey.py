"""Events in a real browser: a developer registers for a full event (the waitlist), is
promoted and mailed when another member cancels, checks in with the host's code and leaves
feedback; attendance and feedback earn their points once."""

from datetime import timedelta

import pytest
from django.core import mail
from playwright.sync_api import expect

from community.activity.services import activity_events_flush
from community.events import services
from community.events.models import Registration
from community.rewards.models import PointsEntry
from portal.accounts.roles import Role
from portal.accounts.services import user_set_role
from tests.events.conftest import make_event
from tests.factories import PASSWORD
from tests.forums.conftest import make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_tasks():
    from portal.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


def test_waitlist_promotion_checkin_and_feedback(browser, live_server, eager_tasks):
    base = live_server.url
    manager = make_member("cm@example.org", handle="cm")
    user_set_role(user=manager, role=Role.COMMUNITY_MANAGER)
    holder = make_member("holder@example.org", handle="holder")
    dev = make_member("dev@example.org", handle="dev")
    # Started ten minutes ago (check-in is open), one place, taken.
    event = make_event(
        manager, publish_as=manager, title="Prompting salon", capacity=1, starts_in=-timedelta(minutes=10)
    )
    services.rsvp_register(user=holder, event=event)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", dev.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator("button[type=submit]").click()
    page.wait_for_load_state()

    page.get_by_role("link", name="Events", exact=True).first.click()
    page.get_by_role("link", name="Prompting salon").click()
    expect(page.locator("#event-online")).to_contain_text("shown to registered attendees")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.locator("#rsvp-status")).to_contain_text("number 1 on the waitlist")

    mail.outbox.clear()
    services.rsvp_cancel(user=holder, event=event)  # the place goes to the developer, by mail
    assert [m.to for m in mail.outbox] == [[dev.email]]
    assert "Prompting salon" in mail.outbox[0].subject

    page.reload()
    expect(page.locator("#rsvp-status")).to_contain_text("You are registered.")
    expect(page.locator("#online-link")).to_have_attribute("href", "https://meet.example.com/lora-night")
    page.fill("#checkin-code", "nope00")
    page.get_by_role("button", name="Check in").click()
    expect(page.locator("#id_code_error")).to_contain_text("not right")
    page.goto(f"{base}{event.get_absolute_url()}")
    page.fill("#checkin-code", event.checkin_code)
    page.get_by_role("button", name="Check in").click()
    expect(page.locator("#rsvp-status")).to_contain_text("You checked in.")

    page.locator("label[for=rating-4]").click()
    page.fill("#feedback-comment", "Clear and practical.")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator("#feedback-given")).to_contain_text("4 out of 5")
    context.close()

    assert Registration.objects.get(event=event, user=dev).attended_method == "code"
    activity_events_flush()
    activity_events_flush()
    entries = PointsEntry.objects.filter(user=dev).values_list("rule_key", "amount")
    assert sorted(e for e in entries if e[0].startswith("event.")) == [("event.attended", 10), ("event.feedback", 2)]
    assert list(PointsEntry.objects.filter(user=manager, rule_key="event.hosted").values_list("amount", flat=True)) == [
        2
    ]


def test_an_event_shows_its_times_in_the_reader_s_own_zone_too(browser, live_server):
    """The page gives the event's zone and offset; a reader elsewhere also sees the times in
    their own zone (their browser's), and a reader in the event's zone sees them once."""
    from datetime import UTC, datetime

    manager = make_member("cm@example.org", handle="cm")
    user_set_role(user=manager, role=Role.COMMUNITY_MANAGER)
    starts = datetime(2031, 3, 4, 17, 0, tzinfo=UTC)  # 18:00 in Berlin, 12:00 in New York
    event = make_event(manager, publish_as=manager, title="Zone salon", starts_at=starts, hours=1)
    for zone, shown in (("America/New_York", True), ("Europe/Berlin", False)):
        context = browser.new_context(timezone_id=zone, locale="en-US")
        page = context.new_page()
        page.goto(f"{live_server.url}/events/{event.slug}/")
        expect(page.locator("main").get_by_text("Tue 4 Mar 2031, 18:00–19:00").first).to_be_visible()
        local = page.locator("[data-local-time]").first
        if shown:
            expect(local).to_be_visible()
            expect(local).to_contain_text("Your time: Mar 4, 2031, 12:00 PM–1:00 PM EST")
        else:
            expect(local).to_be_hidden()
        context.close()
