"""A member's /v1 call fails; with the request id from the error they find the request in
the request log and click through to the explanation and the answer staff verified, in
Chromium against the real ASGI server."""

import re

import openai
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/atrium-e2e"


@pytest.fixture
def verified_answer(settings):
    """A solved Q&A thread on model_not_found whose answer a community manager verified."""
    from community.forums import services
    from community.forums.models import Category, CategoryKind
    from portal.accounts.roles import Role
    from portal.accounts.services import user_set_role
    from tests.forums.conftest import make_member

    settings.FORUM_FLOOD_SECONDS = 0
    qa = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA)
    asker, helper = make_member("asker@example.org", handle="asker"), make_member("helper@example.org", handle="helper")
    manager = user_set_role(user=make_member("cm@example.org", handle="cm"), role=Role.COMMUNITY_MANAGER)
    thread = services.thread_create(
        author=asker,
        category=qa,
        title="model_not_found when calling my fine-tuned model",
        body="The job succeeded but every call says the model does not exist.",
        error_code="model_not_found",
    )
    answer = services.post_create(
        author=helper, thread=thread, body="Call it by the `fine_tuned_model` id the job returns, not the job id."
    )
    services.post_accept_answer(user=asker, post=answer)
    services.error_answer_verify(staff=manager, post=answer)
    thread.refresh_from_db()
    return thread


def test_a_failed_request_is_found_by_its_id_and_leads_to_its_answer(
    page, asgi_server, user, password, verified_answer
):
    from playwright.sync_api import expect

    from portal.apikeys.services import api_key_create
    from sandbox.usage.services import usage_records_flush

    _key, secret = api_key_create(user=user, name="e2e laptop")
    client = openai.OpenAI(base_url=f"{asgi_server}/v1", api_key=secret, max_retries=0)
    with pytest.raises(openai.NotFoundError) as failure:
        client.chat.completions.create(model="my-fine-tune", messages=[{"role": "user", "content": "hi"}])
    request_id = failure.value.request_id  # the SDK reads the x-request-id header
    assert request_id.startswith("req_") and failure.value.body["request_id"] == request_id
    answer_url = f"{verified_answer.get_absolute_url()}#post-{verified_answer.accepted_answer_id}"
    assert failure.value.body["help_url"].endswith(answer_url)  # errors meet answers, in the body too
    usage_records_flush()  # beat stores metered calls every few seconds

    page.goto(f"{asgi_server}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r".*/$"))

    page.get_by_role("link", name="Logs", exact=True).click()
    expect(page.get_by_role("heading", name="Request log")).to_be_visible()
    page.get_by_label("Request id").fill(request_id)
    page.get_by_role("search", name="Filter requests").get_by_role("button", name="Search").click()
    rows = page.locator("#request-log tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("model_not_found")
    expect(rows.first).to_contain_text("my-fine-tune")
    expect(rows.first).to_contain_text("e2e laptop")
    page.screenshot(path=f"{SCREENSHOTS}-request-log.png", full_page=True)

    rows.first.get_by_role("link", name=request_id).click()
    expect(page.locator("#request-id")).to_have_text(request_id)
    expect(page.locator("#error-message")).to_contain_text("does not exist")
    expect(page.locator("#error-explanation")).to_contain_text("No model by that name is available to your key")
    page.screenshot(path=f"{SCREENSHOTS}-request-detail.png", full_page=True)

    page.locator("#error-answers").get_by_role("link", name=verified_answer.title).click()
    expect(page.get_by_role("heading", name=verified_answer.title).first).to_be_visible()
    expect(page.get_by_text("Call it by the")).to_be_visible()
