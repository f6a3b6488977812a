"""The forums' own services, end to end: what members do in a Q&A thread moves points
through the activity stream (the properties the forums really record)."""

import pytest

from community.forums.models import Category, CategoryKind
from community.forums.services import post_accept_answer, post_create, post_vote
from community.rewards.selectors import standing_of
from tests.factories import ThreadFactory, UserFactory
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db


def reputation(user) -> int:
    return standing_of(user_id=user.pk).reputation


def test_a_question_answered_upvoted_switched_and_accepted(db):
    qa = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA)
    asker, author, voter = UserFactory(), UserFactory(), UserFactory()
    thread = ThreadFactory(author=asker, category=qa)
    answer = post_create(author=author, thread=thread, body="Call it with stream=True and read the events.")
    post_vote(user=voter, post=answer)
    post_vote(user=voter, post=thread.posts.get(is_first=True))
    deliver()
    assert (reputation(author), reputation(asker)) == (10, 5)

    post_vote(user=voter, post=answer)  # the same vote again withdraws it
    deliver()
    assert reputation(author) == 0

    post_vote(user=voter, post=answer)
    post_accept_answer(user=asker, post=answer)
    deliver()
    assert (reputation(author), reputation(asker)) == (25, 7)
    post_accept_answer(user=asker, post=answer)  # accepting again un-accepts
    deliver()
    assert (reputation(author), reputation(asker)) == (10, 5)
