"""In a real browser: the thread page's up and down buttons (htmx, no inline script) vote
the way they say, switch and withdraw; a new member's downvote button is disabled and says
which trust level downvoting needs. A signed-in reader's page sends its reading time when left."""

import pytest
from playwright.sync_api import expect

from community.forums import services
from community.forums.models import Category, CategoryKind
from tests.factories import PASSWORD
from tests.forums.conftest import make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def answer(settings):
    settings.FORUM_FLOOD_SECONDS = 0
    qa = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA, description="Questions")
    ada = make_member("ada@example.org", handle="ada")
    grace = make_member("grace@example.org", handle="grace")
    make_member("linus@example.org", handle="linus")  # basic: may downvote
    make_member("newbie@example.org", handle="newbie", days_old=0)  # new: may not
    question = services.thread_create(
        author=ada, category=qa, title="How do I stream tokens with the SDK?", body="Only one chunk comes back."
    )
    return services.post_create(author=grace, thread=question, body="Pass `stream=True` and iterate.")


def _log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator("button[type=submit]").click()


def test_down_switch_and_withdraw_in_the_browser(live_server, page, answer):
    _log_in(page, live_server.url, "linus@example.org")
    page.goto(live_server.url + answer.thread.get_absolute_url())
    post = page.locator(f"#post-{answer.pk}")
    post.get_by_role("button", name="Downvote").click()
    expect(post.locator(".vote-score")).to_have_text("-1")
    expect(post.get_by_role("button", name="Downvote")).to_have_attribute("aria-pressed", "true")
    post.get_by_role("button", name="Upvote").click()  # switched
    expect(post.locator(".vote-score")).to_have_text("1")
    expect(post.get_by_role("button", name="Upvote")).to_have_attribute("aria-pressed", "true")
    expect(post.get_by_role("button", name="Downvote")).to_have_attribute("aria-pressed", "false")
    post.get_by_role("button", name="Upvote").click()  # withdrawn
    expect(post.locator(".vote-score")).to_have_text("0")


def test_a_new_member_sees_why_they_cannot_downvote(live_server, page, answer):
    _log_in(page, live_server.url, "newbie@example.org")
    page.goto(live_server.url + answer.thread.get_absolute_url())
    down = page.locator(f"#post-{answer.pk}").get_by_role("button", name="Downvote")
    expect(down).to_be_disabled()
    expect(down).to_have_attribute("title", "Downvoting needs trust level Basic.")


def test_the_page_sends_its_reading_time_when_left(live_server, page, answer):
    import time

    from community.activity.models import ActivityEvent
    from community.activity.services import activity_events_flush

    _log_in(page, live_server.url, "linus@example.org")
    page.goto(live_server.url + answer.thread.get_absolute_url())
    page.wait_for_timeout(2500)
    page.goto(live_server.url + "/community/")  # pagehide: the beacon goes
    deadline = time.monotonic() + 15
    timed = []
    while time.monotonic() < deadline and not timed:
        activity_events_flush()
        timed = [a for a in ActivityEvent.objects.filter(verb="forum.thread.read") if a.properties["seconds"]]
        time.sleep(0.3)
    assert timed and 2 <= timed[0].properties["seconds"] <= 10
    assert timed[0].actor.email == "linus@example.org"
