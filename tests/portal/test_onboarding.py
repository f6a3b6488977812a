"""The developer home's onboarding checklist: each step a link, ticked from what the member
really did (read from the owning apps and the activity stream), the free credits said."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from community.activity.services import activity_record
from portal.apikeys.services import api_key_create
from portal.billing.services import credits_grant_monthly
from tests.factories import UserFactory
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db

STEPS = ["verify", "key", "first_call", "stream", "fine_tune", "community"]


def _steps(html: str) -> dict[str, bool]:
    return {key: done == "true" for key, done in re.findall(r'data-step="(\w+)" data-done="(\w+)"', html)}


def _home(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_account_sees_every_step_as_a_link_and_no_welcome_back(client, user):
    client.force_login(user)
    html = _home(client)
    assert "Welcome back" not in html
    assert "Welcome to Atrium" in html
    assert _steps(html) == {"verify": True, **{key: False for key in STEPS[1:]}}
    assert "1 of 6 done" in html
    for url in (
        reverse("account_email"),
        reverse("docs:page", kwargs={"slug": "getting-started"}) + "#2-create-an-api-key",
        reverse("docs:page", kwargs={"slug": "getting-started"}) + "#4-make-your-first-call",
        reverse("playground:page"),
        reverse("finetuning:job_create"),
        reverse("forums:index"),
    ):
        assert f'href="{url}"' in html


def test_an_unverified_address_is_the_first_step_left(client):
    user = UserFactory(email="unverified@example.com", verified=False)
    client.force_login(user)
    html = _home(client)
    assert _steps(html)["verify"] is False
    assert "Verify your email to receive 5.00 free credits each month." in html


def test_steps_tick_from_what_the_member_did(client, user):
    api_key_create(user=user, name="laptop")
    activity_record(actor=user, verb="api.first_call", properties={"endpoint": "chat/completions", "model": "echo"})
    activity_record(actor=user, verb="playground.reply.streamed", properties={"model": "echo"})
    activity_record(actor=user, verb="finetune.job.created", target=("finetuning.finetuningjob", "ftjob-1"))
    activity_record(actor=user, verb="forum.reply.posted", target=("forums.post", "1"))
    deliver()
    client.force_login(user)
    html = _home(client)
    steps = _steps(html)
    assert steps == {**{key: True for key in STEPS}, "fine_tune": False}
    assert "5 of 6 done" in html
    assert "in progress" in html  # the fine-tuning job has not finished

    activity_record(actor=user, verb="finetune.job.succeeded", target=("finetuning.finetuningjob", "ftjob-1"))
    deliver()
    html = _home(client)
    # All done: the checklist makes room for the rest of the page.
    assert 'id="onboarding"' not in html


def test_another_members_actions_tick_nothing(client, user, other_user):
    api_key_create(user=other_user, name="theirs")
    activity_record(actor=other_user, verb="api.first_call", properties={"endpoint": "models", "model": ""})
    activity_record(actor=other_user, verb="forum.thread.posted", target=("forums.thread", "1"))
    deliver()
    client.force_login(user)
    assert _steps(_home(client)) == {"verify": True, **{key: False for key in STEPS[1:]}}


def test_a_returning_member_is_welcomed_back(client, user):
    for _ in range(2):
        activity_record(actor=user, verb="account.logged_in")
    deliver()
    client.force_login(user)
    assert "Welcome back" in _home(client)


def test_the_home_page_says_where_the_free_credits_stand(client, user, settings):
    settings.CREDITS_MONTHLY_FREE_GRANT = Decimal("5")
    client.force_login(user)
    assert "free credits are on their way" in _home(client)
    credits_grant_monthly(user=user)
    html = _home(client)
    assert 'data-metric="balance">5.0000<' in html
    assert "Includes this month's 5.00 free credits." in html


def test_the_home_page_costs_a_fixed_number_of_queries(client, user, django_assert_max_num_queries):
    """However much the member did, the page reads the checklist in one activity query."""
    client.force_login(user)
    _home(client)  # warm the per-process caches (site, translations)
    # The session's user, keys, balance, this month's grant, the activity counts, the
    # verified address, this month's requests, jobs in progress, latest threads.
    with django_assert_max_num_queries(9):
        _home(client)
    api_key_create(user=user, name="laptop")
    for verb in ("api.first_call", "playground.reply.streamed", "finetune.job.created"):
        for _ in range(3):
            activity_record(actor=user, verb=verb)
    deliver()
    # Those activities earn badges (First Key, First Call): the bell recounts its unread
    # notifications once, on the next page, then reads the count from the cache again.
    with django_assert_max_num_queries(10):
        _home(client)
    with django_assert_max_num_queries(9):
        _home(client)
