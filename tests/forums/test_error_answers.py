"""What a /v1 error's help_url links to is chosen by staff, never by members: a thread's
author sets its error code and accepts an answer, but only a verified reply, as it read
when verified, is linked (community/forums ErrorAnswer, selectors.error_help_url)."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from community.forums import selectors, services
from community.forums.models import ErrorAnswer, ModerationAction, ModerationActionKind
from portal.accounts.roles import Role
from portal.accounts.services import user_set_role
from tests.forums.conftest import make_member

pytestmark = pytest.mark.django_db

PHISHING = "Your key expired: [re-enter it here](http://evil.example/login)."


@pytest.fixture
def manager(db):
    return user_set_role(user=make_member("cm@example.org", handle="cm"), role=Role.COMMUNITY_MANAGER)


@pytest.fixture
def hijack(qa, asker):
    """The probe's attack: a member's thread on a code, answered and accepted by themself."""
    thread = services.thread_create(
        author=asker, category=qa, title="model_not_found with my model", body="Which id?", error_code="model_not_found"
    )
    answer = services.post_create(author=asker, thread=thread, body=PHISHING)
    services.post_accept_answer(user=asker, post=answer)
    return thread, answer


def _url(thread, post) -> str:
    return f"{settings.SITE_URL}{thread.get_absolute_url()}#post-{post.pk}"


def test_a_members_accepted_answer_steers_no_link(hijack):
    assert selectors.error_help_url(code="model_not_found") is None


def test_members_and_moderators_cannot_verify(hijack, asker, moderator, staff):
    _thread, answer = hijack
    for user in (asker, moderator, staff):  # staff without the permission: not enough either
        with pytest.raises(PermissionDenied):
            services.error_answer_verify(staff=user, post=answer)
    for user in (asker, moderator):
        client = Client()
        client.force_login(user)
        response = client.post(reverse("forums:error_answer", kwargs={"pk": answer.thread_id}), {"post": answer.pk})
        assert response.status_code == 403
    assert not ErrorAnswer.objects.exists()
    assert selectors.error_help_url(code="model_not_found") is None


def test_staff_verify_a_reply_and_every_caller_links_to_it(qa, asker, answerer, manager):
    thread = services.thread_create(
        author=asker, category=qa, title="model_not_found for ft model", body="Which id?", error_code="model_not_found"
    )
    answer = services.post_create(author=answerer, thread=thread, body="Use the id from GET /v1/models.")
    assert selectors.error_help_url(code="model_not_found") is None  # cached miss, then...
    client = Client()
    client.force_login(manager)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert reverse("forums:error_answer", kwargs={"pk": thread.pk}) in page
    response = client.post(reverse("forums:error_answer", kwargs={"pk": thread.pk}), {"post": answer.pk})
    assert response.status_code == 302
    assert selectors.error_help_url(code="model_not_found") == _url(thread, answer)  # ...seen at once
    assert ModerationAction.objects.filter(kind=ModerationActionKind.VERIFY_ERROR_ANSWER, post=answer).exists()

    client.post(reverse("forums:error_answer", kwargs={"pk": thread.pk}), {"withdraw": "1"})
    assert selectors.error_help_url(code="model_not_found") is None


def test_an_edit_after_verification_lapses_the_link_at_once(hijack, answerer, manager, moderator):
    """Verifying locks the thread, so its author can no longer edit; a moderator still can,
    and any edit lapses the link."""
    thread, _own = hijack
    honest = services.post_create(author=answerer, thread=thread, body="Use the id from GET /v1/models.")
    services.error_answer_verify(staff=manager, post=honest)
    assert selectors.error_help_url(code="model_not_found") == _url(thread, honest)
    with pytest.raises(PermissionDenied):
        services.post_edit(editor=answerer, post=honest, body=PHISHING)
    services.post_edit(editor=moderator, post=honest, body=PHISHING)
    assert selectors.error_help_url(code="model_not_found") is None
    services.error_answer_verify(staff=manager, post=honest)  # staff look again and re-verify
    assert selectors.error_help_url(code="model_not_found") == _url(thread, honest)


def test_hiding_or_deleting_lapses_the_link(hijack, answerer, manager, moderator):
    thread, _own = hijack
    honest = services.post_create(author=answerer, thread=thread, body="Use the id from GET /v1/models.")
    services.error_answer_verify(staff=manager, post=honest)
    services.post_hide(moderator=moderator, post=honest, reason="spam")
    assert selectors.error_help_url(code="model_not_found") is None
    services.post_restore(moderator=moderator, post=honest)
    assert selectors.error_help_url(code="model_not_found") == _url(thread, honest)
    services.post_delete(actor=moderator, post=honest)
    assert selectors.error_help_url(code="model_not_found") is None


def test_only_visible_replies_of_error_threads_can_be_verified(qa, asker, answerer, manager, question, answer):
    with pytest.raises(ValidationError):  # the thread is about no error code
        services.error_answer_verify(staff=manager, post=answer)
    thread = services.thread_create(
        author=asker, category=qa, title="insufficient_quota again", body="Why?", error_code="insufficient_quota"
    )
    with pytest.raises(ValidationError):  # the question itself
        services.error_answer_verify(staff=manager, post=thread.posts.get(is_first=True))


def test_what_the_linked_page_shows_is_verified_too(hijack, asker, answerer, manager, moderator, qa):
    """The link opens the whole thread: its title, question and accepted answer are part of
    what staff verified, verifying locks the thread, and a merge or unlock lapses the link."""
    thread, own = hijack
    honest = services.post_create(author=answerer, thread=thread, body="Use the id from GET /v1/models.")

    def verified() -> bool:
        services.error_answer_verify(staff=manager, post=honest)
        thread.refresh_from_db()
        return selectors.error_help_url(code="model_not_found") == _url(thread, honest) and thread.is_locked

    assert verified()
    services.post_edit(editor=moderator, post=thread.posts.get(is_first=True), body=PHISHING)  # the question
    assert selectors.error_help_url(code="model_not_found") is None
    assert verified()
    services.post_edit(editor=moderator, post=thread.posts.get(is_first=True), body="Which id?", title=PHISHING[:80])
    assert selectors.error_help_url(code="model_not_found") is None
    assert verified()
    services.post_accept_answer(user=asker, post=own)  # the asker re-accepts the phishing reply
    assert selectors.error_help_url(code="model_not_found") is None
    assert verified()
    services.thread_set_locked(moderator=moderator, thread=thread, locked=False)  # replies may join again
    assert selectors.error_help_url(code="model_not_found") is None
    assert verified()
    target = services.thread_create(author=moderator, category=qa, title="Totally different", body="Go elsewhere.")
    services.thread_merge(moderator=moderator, source=thread, target=target)
    assert selectors.error_help_url(code="model_not_found") is None
