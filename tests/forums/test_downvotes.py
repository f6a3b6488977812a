"""Votes go up or down: the same vote again withdraws it, the other one switches it, and a
post's score is its upvotes minus its downvotes. Every change is recorded for the apps
that react (a switch as the old vote withdrawn and the new one given). The buttons say
what they do to screen readers and which one is pressed."""

import pytest
from django.urls import reverse
from django.utils import translation

from community.activity.models import ActivityEvent
from community.forums import services
from community.forums.models import Post, Thread, Vote
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    translation.activate("en")
    yield
    translation.deactivate()


def _score(post) -> int:
    return Post.objects.values_list("score", flat=True).get(pk=post.pk)


def test_up_down_switch_and_withdraw(question, answer, asker, third):
    assert services.post_vote(user=asker, post=answer, direction="down") == (-1, -1)
    assert services.post_vote(user=third, post=answer, direction="up") == (1, 0)
    assert services.post_vote(user=asker, post=answer, direction="up") == (1, 2)  # switched: -1 -> +1
    assert services.post_vote(user=asker, post=answer, direction="up") == (0, 1)  # withdrawn
    assert services.post_vote(user=third, post=answer, direction="down") == (-1, -1)  # switched
    assert list(Vote.objects.filter(post=answer).values_list("user_id", "value")) == [(third.pk, -1)]
    ups = Vote.objects.filter(post=answer, value=1).count()
    downs = Vote.objects.filter(post=answer, value=-1).count()
    assert _score(answer) == ups - downs == -1


def test_a_question_carries_its_score_to_the_thread(question, answerer, third):
    first = question.posts.get(is_first=True)
    services.post_vote(user=answerer, post=first, direction="down")
    services.post_vote(user=third, post=first, direction="down")
    assert Thread.objects.get(pk=question.pk).score == -2
    services.post_vote(user=third, post=first, direction="up")
    assert Thread.objects.get(pk=question.pk).score == 0


def test_each_change_is_recorded_with_its_direction(question, answer, asker, answerer):
    services.post_vote(user=asker, post=answer, direction="up")
    services.post_vote(user=asker, post=answer, direction="down")  # switch: two activities
    services.post_vote(user=asker, post=answer, direction="down")  # withdrawn
    deliver()
    voted = list(ActivityEvent.objects.filter(verb="forum.post.voted").order_by("occurred_at", "id"))
    assert [(a.properties["direction"], a.properties["withdrawn"], a.properties["value"]) for a in voted] == [
        ("up", False, 1),
        ("up", True, -1),
        ("down", False, -1),
        ("down", True, 1),
    ]
    assert voted[0].properties["post_author"] == answerer.pk
    assert voted[0].properties["is_question"] is False
    assert voted[0].properties["category"] == question.category_id


def test_own_posts_and_unknown_directions_are_refused(answer, answerer, asker):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="your own post"):
        services.post_vote(user=answerer, post=answer, direction="down")
    with pytest.raises(ValidationError):
        services.post_vote(user=asker, post=answer, direction="sideways")
    assert _score(answer) == 0


def test_the_buttons_have_labels_and_show_the_readers_vote(client, question, answer, asker, third):
    services.post_vote(user=asker, post=answer, direction="down")
    client.force_login(asker)
    html = client.get(question.get_absolute_url()).content.decode()
    article = html.split(f'id="post-{answer.pk}"', 1)[1].split("</article>", 1)[0]
    up = article.split('aria-label="Upvote"', 1)[1].split(">", 1)[0]
    down = article.split('aria-label="Downvote"', 1)[1].split(">", 1)[0]
    assert 'aria-pressed="false"' in up and 'aria-pressed="true"' in down
    assert 'class="vote-score" aria-label="score">-1<' in article
    assert "<script" not in article  # the buttons are a form (htmx), no inline script

    # Through the page's form: the button's name and value say which way.
    url = reverse("forums:post_vote", kwargs={"pk": answer.pk})
    response = client.post(url, {"direction": "up"}, HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert 'class="vote-score" aria-label="score">1<' in fragment
    assert fragment.count('aria-pressed="true"') == 1 and 'value="up" aria-label="Upvote"' in fragment
    client.post(url, {"direction": "up"})  # without JavaScript: withdrawn, back to the post
    assert _score(answer) == 0
