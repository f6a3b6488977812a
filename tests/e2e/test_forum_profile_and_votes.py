"""In a real browser: a signed-out reader is invited to log in to vote and comes back to
the post to vote; a member's profile shows their threads, replies and accepted answers."""

import re

import pytest
from playwright.sync_api import expect

from community.forums import services
from community.forums.models import Category, CategoryKind
from tests.factories import PASSWORD
from tests.forums.conftest import make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def forum(settings):
    settings.FORUM_FLOOD_SECONDS = 0
    qa = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA, description="Questions")
    ada = make_member("ada@example.org", handle="ada")
    grace = make_member("grace@example.org", handle="grace")
    make_member("linus@example.org", handle="linus")
    grace.profile.bio = "Answers **streaming** questions."
    grace.profile.save()
    question = services.thread_create(
        author=ada, category=qa, title="How do I stream tokens with the SDK?", body="Only one chunk comes back."
    )
    answer = services.post_create(author=grace, thread=question, body="Pass `stream=True` and iterate.")
    services.post_accept_answer(user=ada, post=answer)
    own = services.thread_create(author=grace, category=qa, title="Which embedding size to pick?", body="384 or 768?")
    return question, answer, own


def test_signed_out_reader_logs_in_to_vote_and_returns_to_the_post(live_server, page, forum):
    question, answer, _own = forum
    page.goto(live_server.url + question.get_absolute_url())
    post = page.locator(f"#post-{answer.pk}")
    expect(post.get_by_role("button", name="Upvote")).to_have_count(0)  # no disabled button
    expect(page.get_by_text("You cannot vote")).to_have_count(0)
    post.get_by_role("link", name="Log in to vote").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.fill("input[name=login]", "linus@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(question.get_absolute_url())}(\?.*)?#post-{answer.pk}$"))
    post = page.locator(f"#post-{answer.pk}")
    upvote = post.get_by_role("button", name="Upvote")
    expect(upvote).to_be_enabled()
    upvote.click()
    expect(post.locator(".vote-score")).to_have_text("1")
    expect(post.get_by_role("button", name="Upvote")).to_have_attribute("aria-pressed", "true")


def test_profile_shows_the_members_threads_replies_and_accepted_answers(live_server, page, forum):
    question, answer, own = forum
    page.goto(live_server.url + "/u/grace/")
    expect(page.locator(".profile-bio strong")).to_have_text("streaming")  # the bio's Markdown, rendered
    counts = page.get_by_test_id("forum-counts")
    expect(counts).to_contain_text("1 thread")
    expect(counts).to_contain_text("1 reply")
    expect(counts).to_contain_text("1 accepted answer")
    expect(page.locator("#profile-threads a")).to_have_text([own.title])
    expect(page.locator("#profile-accepted a")).to_have_text([question.title])
    page.locator("#profile-replies a").first.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(question.get_absolute_url())}(\?.*)?#post-{answer.pk}$"))
    expect(page.locator(f"#post-{answer.pk}")).to_contain_text("Accepted answer")
