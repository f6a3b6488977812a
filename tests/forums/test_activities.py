"""The forums record what members do, each action exactly once (community.activity):
threads and replies, edits that mention someone new, accepted and un-accepted answers,
votes given and withdrawn, flags, and every moderation action."""

import pytest

from community.activity.models import ActivityEvent
from community.forums import services
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db


def _stored(verb: str) -> list[ActivityEvent]:
    deliver()
    return list(ActivityEvent.objects.filter(verb=verb).order_by("occurred_at", "id"))


def test_posting_records_the_thread_the_reply_and_their_mentions(question, answerer, asker, third):
    reply = services.post_create(author=answerer, thread=question, body="Ask @linus, he knows.")
    [thread] = _stored("forum.thread.posted")
    assert thread.actor == asker and thread.target == ("forums.thread", str(question.pk))
    [posted] = _stored("forum.reply.posted")
    assert posted.actor == answerer and posted.target == ("forums.post", str(reply.pk))
    assert posted.properties == {
        "thread": question.pk,
        "post": reply.pk,
        "category": question.category_id,
        "category_kind": "qa",
        "thread_author": asker.pk,
        "mentions": ["linus"],
    }
    services.post_edit(editor=answerer, post=reply, body="Ask @linus or @ada, they know.")
    [edited] = _stored("forum.post.edited")
    assert edited.properties["new_mentions"] == ["ada"]
    assert len(_stored("forum.reply.posted")) == 1  # delivered again: stored once


def test_accepting_switching_and_withdrawing_an_answer(question, answer, asker, answerer, third):
    other = services.post_create(author=third, thread=question, body="Another way to do it, with httpx.")
    services.post_accept_answer(user=asker, post=answer)
    services.post_accept_answer(user=asker, post=other)  # replaces the first
    services.post_accept_answer(user=asker, post=other)  # withdraws it
    accepted = [a.target[1] for a in _stored("forum.answer.accepted")]
    unaccepted = [a.target[1] for a in _stored("forum.answer.unaccepted")]
    assert accepted == [str(answer.pk), str(other.pk)]
    assert unaccepted == [str(answer.pk), str(other.pk)]
    assert _stored("forum.answer.accepted")[0].properties == {
        "thread": question.pk,
        "answer_author": answerer.pk,
        "asker": asker.pk,
        "category": question.category_id,
    }
    assert _stored("forum.answer.unaccepted")[0].properties["category"] == question.category_id


def test_votes_flags_and_moderation(question, answer, asker, answerer, moderator):
    services.post_vote(user=asker, post=answer)
    services.post_vote(user=asker, post=answer)  # withdrawn
    services.post_vote(user=answerer, post=question.posts.get(is_first=True), direction="down")
    votes = _stored("forum.post.voted")
    assert [a.properties["value"] for a in votes] == [1, -1, -1]
    assert votes[0].properties == {
        "value": 1,
        "direction": "up",
        "withdrawn": False,
        "thread": question.pk,
        "post_author": answerer.pk,
        "is_question": False,
        "category": question.category_id,
        "category_kind": "qa",
    }
    assert (votes[1].properties["direction"], votes[1].properties["withdrawn"]) == ("up", True)
    assert votes[2].properties == {
        "value": -1,
        "direction": "down",
        "withdrawn": False,
        "thread": question.pk,
        "post_author": asker.pk,
        "is_question": True,
        "category": question.category_id,
        "category_kind": "qa",
    }
    services.post_flag(reporter=asker, post=answer, reason="spam")
    [flagged] = _stored("forum.post.flagged")
    assert flagged.properties == {"reason": "spam", "thread": question.pk, "post_author": answerer.pk}
    services.post_hide(moderator=moderator, post=answer, reason="Spam")
    [action] = _stored("forum.moderation.action")
    assert action.actor == moderator and action.properties["kind"] == "hide"
    assert action.properties["target_user"] == answerer.pk
