"""The ambassador program in a real browser, under the site's CSP: a developer applies, a
community manager accepts with a note, the new ambassador finds their referral link and is
listed by region, and a visitor who signs up through the link is counted as referred."""

import re

import pytest
from playwright.sync_api import expect

from community.ambassadors.models import Ambassador, Referral
from portal.accounts.roles import Role
from portal.accounts.services import user_set_role
from tests.e2e.test_csp import Tour
from tests.e2e.test_rewards_journey import _deliver
from tests.forums.conftest import make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_apply_accept_list_and_refer(browser, live_server, celery_worker):
    base = live_server.url
    make_member("ana@example.org", handle="ana")
    user_set_role(user=make_member("cm@example.org", handle="cm"), role=Role.COMMUNITY_MANAGER)
    ana, manager, visitor = Tour(browser, base), Tour(browser, base), Tour(browser, base)
    try:
        ana.log_in("ana@example.org")
        ana.visit("/ambassadors/apply/")
        page = ana.page
        page.fill("textarea[name=motivation]", "I run a monthly meetup on applied LLMs and answer questions there.")
        page.select_option("select[name=region]", "europe")
        page.fill("input[name=languages]", "Portuguese, English")
        page.fill("textarea[name=links]", "https://github.com/ana")
        page.get_by_role("button", name="Apply").click()
        expect(page.locator("body")).to_contain_text("Waiting for review")

        manager.log_in("cm@example.org")
        manager.visit("/ambassadors/review/")
        manager.page.get_by_role("link", name="Review").first.click()
        manager.page.get_by_label("Accept").check()
        manager.page.fill("textarea[name=note]", "Welcome, Ana!")
        manager.page.get_by_role("button", name="Save the decision").click()
        expect(manager.page.locator("body")).to_contain_text("the member is an ambassador now")
        _deliver()

        ana.visit("/ambassadors/apply/")
        link = page.locator("#referral-link").inner_text()
        assert re.search(r"/ambassadors/r/\w+/$", link)
        visitor.visit("/ambassadors/")
        expect(visitor.page.locator("[data-ambassador=ana]")).to_contain_text("Portuguese, English")
        expect(visitor.page.locator("h2", has_text="Europe")).to_be_visible()

        visitor.page.goto(link)
        visitor.page.wait_for_url(re.compile(r"/accounts/signup/$"))
        visitor.page.fill("input[name=email]", "friend@example.org")
        visitor.page.fill("input[name=password1]", "a-much-longer-passphrase-2026")
        visitor.page.fill("input[name=password2]", "a-much-longer-passphrase-2026")
        visitor.page.locator("form").filter(has=visitor.page.locator("input[name=password2]")).locator(
            "button[type=submit]"
        ).click()
        visitor.page.wait_for_load_state()
        _deliver()
        ambassador = Ambassador.objects.get(user__email="ana@example.org")
        assert list(Referral.objects.values_list("ambassador_id", "user__email")) == [
            (ambassador.user_id, "friend@example.org")
        ]
        manager.visit(f"/ambassadors/manage/{ambassador.user_id}/quarter/")
        expect(manager.page.locator("[data-figure=referrals]")).to_have_text("1")
        for tour in (ana, manager, visitor):
            assert not tour.violations, "\n".join(tour.violations)
    finally:
        for tour in (ana, manager, visitor):
            tour.context.close()
