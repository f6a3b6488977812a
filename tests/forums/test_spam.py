"""A moderator can remove a post as spam (the hide form's kind of removal): the forums
record forum.post.removed_as_spam, and restoring it records forum.post.spam_cleared, each
once, so the rewards ledger takes the spam penalty and gives it back."""

import pytest
from django.urls import reverse
from django.utils import translation

from community.activity.models import ActivityEvent
from community.forums import services
from community.forums.models import ModerationAction, Post
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    translation.activate("en")
    yield
    translation.deactivate()


def _verbs(*verbs) -> list:
    deliver()
    return list(ActivityEvent.objects.filter(verb__in=verbs).order_by("occurred_at", "id"))


def test_hiding_as_spam_and_restoring(client, question, answer, answerer, moderator):
    client.force_login(moderator)
    url = reverse("forums:post_moderate", kwargs={"pk": answer.pk, "action": "hide"})
    assert client.post(url, {"reason": "Link farm", "kind": "spam"}).status_code == 302
    post = Post.objects.get(pk=answer.pk)
    assert post.is_hidden and post.hidden_as_spam
    [removed] = _verbs("forum.post.removed_as_spam")
    assert removed.actor == moderator and removed.target == ("forums.post", str(answer.pk))
    assert removed.properties == {
        "thread": question.pk,
        "post": answer.pk,
        "post_author": answerer.pk,
        "category": question.category_id,
        "is_question": False,
    }
    assert ModerationAction.objects.get(kind="hide", post=answer).details == {"spam": True}

    restore = reverse("forums:post_moderate", kwargs={"pk": answer.pk, "action": "restore"})
    client.post(restore, {"reason": "Not spam after all"})
    client.post(restore, {"reason": "Clicked twice"})
    assert not Post.objects.get(pk=answer.pk).hidden_as_spam
    assert [a.verb for a in _verbs("forum.post.removed_as_spam", "forum.post.spam_cleared")] == [
        "forum.post.removed_as_spam",
        "forum.post.spam_cleared",
    ]


def test_an_ordinary_hide_is_not_spam(question, answer, moderator):
    services.post_hide(moderator=moderator, post=answer, reason="Off-topic")
    services.post_restore(moderator=moderator, post=answer)
    assert _verbs("forum.post.removed_as_spam", "forum.post.spam_cleared") == []


def test_the_hide_form_offers_spam(client, question, answer, moderator):
    client.force_login(moderator)
    html = client.get(question.get_absolute_url()).content.decode()
    assert f'id="hide-kind-{answer.pk}"' in html and '<option value="spam">Spam</option>' in html
