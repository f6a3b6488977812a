"""Each badge is earned from real activities through the activity flush: at its threshold,
not before, and once however often the activities are delivered."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.activity.services import activity_record
from community.badges.models import Badge, BadgeAward, MemberTally, PostTally
from community.badges.services import badges_evaluate_all
from community.forums import services as forums
from community.notifications.models import Notification
from portal.apikeys.services import api_key_create
from tests.factories import ThreadFactory, UserFactory

from .conftest import deliver

pytestmark = pytest.mark.django_db


def held(user, slug: str) -> list[BadgeAward]:
    return list(BadgeAward.objects.filter(user=user, badge__slug=slug))


def badge_notifications(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="badge"))


def voters(n: int, prefix: str = "voter") -> list:
    return [UserFactory(email=f"{prefix}{i}@example.org") for i in range(n)]


def test_first_key_is_earned_once_under_duplicate_delivery(user):
    assert held(user, "first-key") == []
    api_key_create(user=user, name="laptop")
    deliver(times=3)
    [award] = held(user, "first-key")
    assert award.cause == "" and award.badge.grade == "bronze"
    assert MemberTally.objects.get(user=user).keys_created == 1  # counted once, delivered three times
    api_key_create(user=user, name="ci")
    deliver(times=2)
    assert len(held(user, "first-key")) == 1
    [notification] = badge_notifications(user)
    assert "First Key" in notification.title and notification.url == "/rewards/badges/first-key/"


@pytest.mark.parametrize(
    ("verb", "slug", "properties"),
    [
        ("api.first_call", "first-call", {"endpoint": "chat.completions", "model": "echo"}),
        ("account.email_verified", "verified", {}),
        ("finetune.job.succeeded", "fine-tuner", {"base_model": "tiny", "fine_tuned_model": "ft:tiny:x"}),
    ],
)
def test_first_call_verified_and_fine_tuner(user, other_user, verb, slug, properties):
    activity_record(actor=other_user, verb="apikey.created", properties={"scopes": []})
    deliver()
    assert held(user, slug) == []
    activity_record(actor=user, verb=verb, properties=properties)
    deliver(times=2)
    assert len(held(user, slug)) == 1 and held(other_user, slug) == []
    assert len(badge_notifications(user)) == 1


def test_streaming_pro_needs_replies_streamed_on_five_different_days(user):
    today = timezone.now()
    for day in range(4):
        activity_record(
            actor=user,
            verb="playground.reply.streamed",
            properties={"model": "echo"},
            dedupe_key=f"playground.reply.streamed:{user.pk}:{day}",
            occurred_at=today - timedelta(days=day),
        )
    # A second reply streamed on one of those days is the same activity (its dedupe key).
    activity_record(actor=user, verb="playground.reply.streamed", dedupe_key=f"playground.reply.streamed:{user.pk}:0")
    deliver(times=2)
    assert MemberTally.objects.get(user=user).streamed_days == 4
    assert held(user, "streaming-pro") == []
    activity_record(actor=user, verb="playground.reply.streamed", dedupe_key=f"playground.reply.streamed:{user.pk}:4")
    deliver(times=2)
    [award] = held(user, "streaming-pro")
    assert award.badge.grade == "silver"


def test_first_question_and_first_answer_count_in_qa_only(categories, asker, answerer):
    discussion = ThreadFactory(author=asker, category=categories["discussions"], title="Let us chat about tokens")
    forums.post_create(author=answerer, thread=discussion, body="Happy to chat about tokens here.")
    deliver()
    assert held(asker, "first-question") == [] and held(answerer, "first-answer") == []

    question = ThreadFactory(
        author=asker, category=categories["qa"], title="Why does my stream stop early?", body="It stops at 16 tokens."
    )
    forums.post_create(author=asker, thread=question, body="Adding details to my own question here.")
    deliver(times=2)
    assert len(held(asker, "first-question")) == 1
    assert held(asker, "first-answer") == []  # answering yourself is not answering someone
    forums.post_create(author=answerer, thread=question, body="Raise max_tokens; the reply hit the limit.")
    deliver(times=2)
    assert len(held(answerer, "first-answer")) == 1
    assert MemberTally.objects.get(user=answerer).answers == 1


def test_supporter_for_a_first_upvote(question, answer, asker, answerer):
    forums.post_vote(user=asker, post=answer)
    deliver(times=2)
    assert len(held(asker, "supporter")) == 1
    assert held(answerer, "supporter") == []
    forums.post_vote(user=asker, post=answer)  # withdrawn: the badge stays
    deliver()
    assert len(held(asker, "supporter")) == 1
    assert MemberTally.objects.get(user=asker).upvotes_given == 0


def test_nice_and_great_answer_at_their_scores_once_per_post(question, answer, answerer):
    crowd = voters(25)
    for voter in crowd[:4]:
        forums.post_vote(user=voter, post=answer)
    deliver(times=2)
    assert PostTally.objects.get(post_id=answer.pk).score == 4
    assert held(answerer, "nice-answer") == []
    forums.post_vote(user=crowd[4], post=answer)
    deliver(times=2)
    [nice] = held(answerer, "nice-answer")
    assert nice.cause == f"post:{answer.pk}" and nice.url == f"/community/p/{answer.pk}/"
    # Down to 4 and back to 5: the same post earns it once.
    forums.post_vote(user=crowd[4], post=answer)
    forums.post_vote(user=crowd[4], post=answer)
    deliver()
    assert len(held(answerer, "nice-answer")) == 1
    for voter in crowd[5:24]:
        forums.post_vote(user=voter, post=answer)
    deliver()
    assert PostTally.objects.get(post_id=answer.pk).score == 24 and held(answerer, "great-answer") == []
    forums.post_vote(user=crowd[24], post=answer)
    deliver(times=2)
    [great] = held(answerer, "great-answer")
    assert great.badge.grade == "gold"
    # Another answer of the same member earns Nice Answer again, for that post.
    other = ThreadFactory(author=crowd[0], category=question.category, title="How do I count tokens offline?")
    second = forums.post_create(author=answerer, thread=other, body="Use the tokenizer endpoint, offline too.")
    for voter in crowd[1:6]:
        forums.post_vote(user=voter, post=second)
    deliver()
    assert sorted(a.cause for a in held(answerer, "nice-answer")) == sorted([f"post:{answer.pk}", f"post:{second.pk}"])


def test_good_question_at_score_ten_and_helpful_at_fifty_upvotes(question, asker, answerer):
    crowd = voters(50)
    first = question.posts.get(is_first=True)
    for voter in crowd[:9]:
        forums.post_vote(user=voter, post=first)
    deliver()
    assert held(asker, "good-question") == []
    forums.post_vote(user=crowd[9], post=first)
    deliver(times=2)
    [good] = held(asker, "good-question")
    assert good.cause == f"post:{first.pk}"
    # Upvotes received across posts: 49 is not 50.
    for voter in crowd[10:49]:
        forums.post_vote(user=voter, post=first)
    deliver()
    assert MemberTally.objects.get(user=asker).upvotes_received == 49
    assert held(asker, "helpful-50") == []
    forums.post_vote(user=crowd[49], post=first)
    deliver(times=2)
    assert len(held(asker, "helpful-50")) == 1
    assert held(asker, "nice-answer") == []  # a question is not an answer


def _accepted(*, asker, answerer, post_id: int, thread_id: int, verb: str = "forum.answer.accepted") -> None:
    """What the forums record when an asker accepts (or un-accepts) an answer."""
    activity_record(
        actor=asker,
        verb=verb,
        target=("forums.post", post_id),
        properties={"thread": thread_id, "answer_author": answerer.pk, "asker": asker.pk},
    )


def test_solved_ten_counts_accepted_answers_not_self_accepted_ones(qa, answerer):
    askers = voters(10, prefix="asker")
    # Two accepted through the forums (a new member posts a few times an hour), seven as the forums record them.
    for i, member in enumerate(askers[:2]):
        thread = ThreadFactory(author=member, category=qa, title=f"Question {i} about batching", body=f"Body {i}.")
        forums.post_accept_answer(
            user=member, post=forums.post_create(author=answerer, thread=thread, body=f"Answer number {i}.")
        )
    for i, member in enumerate(askers[2:9], start=100):
        _accepted(asker=member, answerer=answerer, post_id=i, thread_id=i)
    # Un-accepted and accepted again: still one accepted answer.
    _accepted(asker=askers[2], answerer=answerer, post_id=100, thread_id=100, verb="forum.answer.unaccepted")
    _accepted(asker=askers[2], answerer=answerer, post_id=100, thread_id=100)
    # An answer to the answerer's own question, accepted by themselves, does not count.
    _accepted(asker=answerer, answerer=answerer, post_id=200, thread_id=200)
    deliver(times=2)
    assert MemberTally.objects.get(user=answerer).accepted == 9
    assert held(answerer, "solved-10") == []
    _accepted(asker=askers[9], answerer=answerer, post_id=109, thread_id=109)
    deliver(times=2)
    assert len(held(answerer, "solved-10")) == 1


def test_a_switched_off_badge_is_not_awarded_until_it_is_on_again(user):
    Badge.objects.filter(slug="first-key").update(enabled=False)
    api_key_create(user=user, name="laptop")
    deliver()
    assert held(user, "first-key") == []
    Badge.objects.filter(slug="first-key").update(enabled=True)
    assert badges_evaluate_all() == 1  # the daily safety net
    assert badges_evaluate_all() == 0
    assert len(held(user, "first-key")) == 1
    assert len(badge_notifications(user)) == 1


def test_the_safety_net_awards_post_badges_missed(question, answer, answerer):
    deliver()
    PostTally.objects.filter(post_id=answer.pk).update(score=5)
    assert held(answerer, "nice-answer") == []
    assert badges_evaluate_all() == 1
    assert len(held(answerer, "nice-answer")) == 1
    assert badges_evaluate_all() == 0


def test_an_award_is_recorded_as_an_activity(user):
    from community.activity.models import ActivityEvent

    api_key_create(user=user, name="laptop")
    deliver()
    deliver()  # stores the award's own activity
    [event] = ActivityEvent.objects.filter(verb="rewards.badge.awarded")
    assert event.actor == user and event.properties == {"badge": "first-key", "grade": "bronze", "cause": ""}


def _vote(*, voter, post, direction: str, withdrawn: bool = False, is_question: bool = False) -> None:
    """A vote as the forums record it (downvotes need a trust level the test's members lack)."""
    sign = 1 if direction == "up" else -1
    activity_record(
        actor=voter,
        verb="forum.post.voted",
        target=post,
        properties={
            "value": -sign if withdrawn else sign,
            "direction": direction,
            "withdrawn": withdrawn,
            "thread": post.thread_id,
            "post_author": post.author_id,
            "is_question": is_question,
            "category": post.thread.category_id,
            "category_kind": post.thread.category.kind,
        },
    )


def test_downvotes_lower_the_score_and_a_switch_takes_the_upvote_back(question, answer, answerer):
    crowd = voters(6)
    for voter in crowd[:4]:
        _vote(voter=voter, post=answer, direction="up")
    # The sixth voter downvotes; the fifth upvotes, then switches to down (two activities).
    _vote(voter=crowd[5], post=answer, direction="down")
    _vote(voter=crowd[4], post=answer, direction="up")
    _vote(voter=crowd[4], post=answer, direction="up", withdrawn=True)
    _vote(voter=crowd[4], post=answer, direction="down")
    deliver(times=2)
    assert PostTally.objects.get(post_id=answer.pk).score == 4 - 2
    assert MemberTally.objects.get(user=answerer).upvotes_received == 4
    assert held(answerer, "nice-answer") == []
    # The downvotes withdrawn and three more upvotes: 7.
    _vote(voter=crowd[5], post=answer, direction="down", withdrawn=True)
    _vote(voter=crowd[4], post=answer, direction="down", withdrawn=True)
    for voter in voters(3, prefix="late"):
        _vote(voter=voter, post=answer, direction="up")
    deliver()
    assert PostTally.objects.get(post_id=answer.pk).score == 7
    assert len(held(answerer, "nice-answer")) == 1


def test_votes_outside_qa_earn_no_post_badges(categories, asker, answerer):
    idea = ThreadFactory(author=asker, category=categories["ideas"], title="Add a batch API", body="Please add it.")
    first = idea.posts.get(is_first=True)
    for voter in voters(10):
        _vote(voter=voter, post=first, direction="up", is_question=True)
    deliver()
    assert not PostTally.objects.filter(post_id=first.pk).exists()
    assert held(asker, "good-question") == []
    assert MemberTally.objects.get(user=asker).upvotes_received == 10  # Helpful counts every upvote


def test_a_batch_of_votes_that_reaches_no_badge_costs_the_same_few_statements_as_one_vote(
    question, answer, answerer, asker, django_assert_max_num_queries
):
    """The handler runs for every vote on the site, a batch at a time: the voters' and authors'
    counters and the posts' scores move in a fixed number of statements however many votes
    the batch holds; badges are looked at only when a threshold is crossed."""
    import uuid

    from community.activity.models import ActivityEvent
    from community.badges.handlers import count_votes

    deliver()
    forums.post_vote(user=asker, post=answer)
    deliver()  # Supporter for the asker: the threshold crossed once
    MemberTally.objects.filter(user=answerer).update(upvotes_received=10)
    PostTally.objects.filter(post_id=answer.pk).update(score=-20)  # far from Nice Answer's 5

    def votes(count: int, prefix: str) -> list[ActivityEvent]:
        members = voters(count, prefix=prefix)
        MemberTally.objects.bulk_create(MemberTally(user=member, upvotes_given=3) for member in members)
        return [
            ActivityEvent(
                id=uuid.uuid4(),
                actor=member,
                verb="forum.post.voted",
                target_type="forums.post",
                target_id=str(answer.pk),
                properties={
                    "value": 1,
                    "direction": "up",
                    "withdrawn": False,
                    "post_author": answerer.pk,
                    "category_kind": "qa",
                },
            )
            for member in members
        ]

    one, ten = votes(1, "one"), votes(10, "ten")
    with django_assert_max_num_queries(6):
        count_votes(one)
    with django_assert_max_num_queries(6):
        count_votes(ten)
    assert PostTally.objects.get(post_id=answer.pk).score == -9
    assert MemberTally.objects.get(user=answerer).upvotes_received == 21
    given = MemberTally.objects.filter(user__email__startswith="ten").values_list("upvotes_given", flat=True)
    assert sorted(given) == [4] * 10


def test_a_batch_counts_its_votes_one_after_another(question, answer, answerer, asker):
    """An upvote that reaches Supporter and is withdrawn in the same batch earns it, as the
    two handled one at a time would; a counter at zero stays at zero through -1 and back."""
    import uuid

    from django.utils import timezone

    from community.activity.models import ActivityEvent
    from community.badges.handlers import count_votes

    deliver()
    member = voters(1, prefix="fresh")[0]

    def event(value: int) -> ActivityEvent:
        return ActivityEvent(
            id=uuid.uuid4(),
            actor=member,
            verb="forum.post.voted",
            target_type="forums.post",
            target_id=str(answer.pk),
            occurred_at=timezone.now(),
            properties={
                "value": value,
                "direction": "up",
                "withdrawn": value < 0,
                "post_author": answerer.pk,
                "category_kind": "qa",
            },
        )

    count_votes([event(-1), event(+1), event(-1)])
    assert MemberTally.objects.get(user=member).upvotes_given == 0
    assert [award.badge.slug for award in held(member, "supporter")] == ["supporter"]
