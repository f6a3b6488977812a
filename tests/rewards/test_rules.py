"""Each rule awards once and reverses once, through the real activity consumer, however
often its activity is delivered."""

import pytest

from community.rewards.models import EntryKind, PointsEntry
from community.rewards.selectors import standing_of
from tests.factories import UserFactory

from .conftest import deliver, payload, vote

pytestmark = pytest.mark.django_db


def entries(user, **filters):
    return list(
        PointsEntry.objects.filter(user=user, **filters).order_by("id").values_list("kind", "rule_key", "amount")
    )


def reputation(user) -> int:
    return standing_of(user_id=user.pk).reputation


@pytest.mark.parametrize(
    ("is_question", "rule", "points"), [(False, "forum.answer.upvoted", 10), (True, "forum.question.upvoted", 5)]
)
def test_upvote_awards_once_and_withdrawal_reverses_once(author, voter, is_question, rule, points):
    up = vote(voter=voter, author=author, post=11, is_question=is_question)
    deliver(up, up)  # the same activity delivered twice
    deliver(up)
    # Another activity for the same vote (a retried request) earns nothing more either.
    deliver(vote(voter=voter, author=author, post=11, is_question=is_question))
    assert entries(author) == [(EntryKind.AWARD, rule, points)]
    assert reputation(author) == points

    down = vote(voter=voter, author=author, post=11, is_question=is_question, withdrawn=True)
    deliver(down, down)
    deliver(vote(voter=voter, author=author, post=11, is_question=is_question, withdrawn=True))
    assert entries(author) == [(EntryKind.AWARD, rule, points), (EntryKind.REVERSAL, rule, -points)]
    reversal = PointsEntry.objects.get(user=author, kind=EntryKind.REVERSAL)
    assert reversal.reason == "The vote was withdrawn."
    assert reputation(author) == 0
    assert entries(voter) == []


def test_downvote_costs_the_author_two_and_the_voter_one_on_answers(author, voter):
    deliver(vote(voter=voter, author=author, post=12, direction="down"))
    deliver(vote(voter=voter, author=author, post=12, direction="down"))
    assert entries(author) == [(EntryKind.AWARD, "forum.post.downvoted", -2)]
    assert entries(voter) == [(EntryKind.AWARD, "forum.downvote.cast", -1)]
    deliver(vote(voter=voter, author=author, post=12, direction="down", withdrawn=True))
    deliver(vote(voter=voter, author=author, post=12, direction="down", withdrawn=True))
    assert sum(amount for *_k, amount in entries(author)) == 0
    assert entries(voter) == [
        (EntryKind.AWARD, "forum.downvote.cast", -1),
        (EntryKind.REVERSAL, "forum.downvote.cast", 1),
    ]


def test_downvoting_a_question_costs_the_voter_nothing(author, voter):
    deliver(vote(voter=voter, author=author, post=13, direction="down", is_question=True))
    assert entries(author) == [(EntryKind.AWARD, "forum.post.downvoted", -2)]
    assert entries(voter) == []


def accepted(*, acceptor, author, post, verb="forum.answer.accepted"):
    return payload(
        verb=verb,
        actor=acceptor,
        target=("forums.post", post),
        properties={"thread": 1, "answer_author": author.pk, "asker": acceptor.pk, "category": 3},
    )


def test_accepted_answer_pays_author_and_acceptor_once_and_unaccepting_reverses(author, voter):
    asker = voter
    accept = accepted(acceptor=asker, author=author, post=21)
    deliver(accept, accept)
    deliver(accepted(acceptor=asker, author=author, post=21))
    assert entries(author) == [(EntryKind.AWARD, "forum.answer.accepted", 15)]
    assert entries(asker) == [(EntryKind.AWARD, "forum.answer.accepting", 2)]
    unaccept = accepted(acceptor=asker, author=author, post=21, verb="forum.answer.unaccepted")
    deliver(unaccept, unaccept)
    assert reputation(author) == reputation(asker) == 0
    assert entries(author, kind=EntryKind.REVERSAL) == [(EntryKind.REVERSAL, "forum.answer.accepted", -15)]
    assert entries(asker, kind=EntryKind.REVERSAL) == [(EntryKind.REVERSAL, "forum.answer.accepting", -2)]


def test_accepting_your_own_answer_earns_nothing(author):
    deliver(accepted(acceptor=author, author=author, post=22))
    assert reputation(author) == 0
    [refused] = PointsEntry.objects.filter(user=author)
    assert refused.kind == EntryKind.REFUSED and refused.reason == "No points from your own post or action."


def spam(*, moderator, author, post, verb="forum.post.removed_as_spam"):
    return payload(
        verb=verb,
        actor=moderator,
        target=("forums.post", post),
        properties={"thread": 1, "post_author": author.pk, "category": 3, "is_question": False},
    )


def test_spam_costs_100_once_and_clearing_gives_it_back(author, staff_user):
    removed = spam(moderator=staff_user, author=author, post=31)
    deliver(removed, removed)
    deliver(spam(moderator=staff_user, author=author, post=31))
    assert entries(author) == [(EntryKind.AWARD, "forum.post.spam", -100)]
    cleared = spam(moderator=staff_user, author=author, post=31, verb="forum.post.spam_cleared")
    deliver(cleared, cleared)
    assert entries(author) == [(EntryKind.AWARD, "forum.post.spam", -100), (EntryKind.REVERSAL, "forum.post.spam", 100)]


@pytest.mark.parametrize(
    ("verb", "rule", "points"),
    [
        ("account.email_verified", "account.email_verified", 5),
        ("api.first_call", "api.first_call", 10),
        ("finetune.job.succeeded", "finetune.first_success", 20),
    ],
)
def test_once_ever_rules(user, verb, rule, points):
    """Verified email, first API call, first successful fine-tune: one award ever, even for
    a second such activity (another address verified, another job succeeded)."""
    first = payload(verb=verb, actor=user)
    deliver(first, first)
    deliver(payload(verb=verb, actor=user))
    assert entries(user) == [(EntryKind.AWARD, rule, points)]


def feedback(reader, slug):
    return payload(
        verb="docs.feedback.given",
        actor=reader,
        target=("docs.pagefeedback", slug),
        properties={"slug": slug, "helpful": True},
    )


def test_docs_feedback_once_per_page_and_five_a_day(user):
    page = feedback(user, "quickstart")
    deliver(page, page, feedback(user, "quickstart"))
    assert reputation(user) == 1
    deliver(*(feedback(user, f"page-{n}") for n in range(6)))  # pages 2 to 7 of the day
    assert reputation(user) == 5
    refused = PointsEntry.objects.filter(user=user, kind=EntryKind.REFUSED)
    assert [(r.reason, r.withheld) for r in refused] == [("Daily limit for these points reached.", 1)] * 2


def test_anonymous_feedback_earns_nothing(db):
    deliver(payload(verb="docs.feedback.given", actor=None, properties={"slug": "quickstart"}))
    assert not PointsEntry.objects.exists()


def test_a_disabled_rule_awards_nothing(user):
    from community.rewards.models import Rule

    Rule.objects.filter(key="api.first_call").update(enabled=False)
    deliver(payload(verb="api.first_call", actor=user))
    assert entries(user) == []


def test_a_rule_registered_later_gets_its_row_at_first_use(user, monkeypatch):
    from community.rewards import rules
    from community.rewards.models import Rule
    from community.rewards.rules import RuleDefault, rule_register
    from community.rewards.services import points_award
    from portal import shipped

    # This test's rule stays in this test: not in the docs' rules table, nor the shipped texts.
    monkeypatch.setattr(rules, "_registry", dict(rules._registry))
    monkeypatch.setattr(shipped, "_texts", set(shipped._texts))
    rule_register(RuleDefault("showcase.entry.featured", 25, "Your showcase entry was featured"))
    assert "Your showcase entry was featured" in shipped._texts
    assert not Rule.objects.filter(key="showcase.entry.featured").exists()
    points_award(user_id=user.pk, rule="showcase.entry.featured", cause="showcase:1")
    assert Rule.objects.get(key="showcase.entry.featured").points == 25
    assert reputation(user) == 25
    with pytest.raises(LookupError):
        points_award(user_id=user.pk, rule="no.such.rule", cause="x")


def test_managers_tuning_applies_to_the_next_award(user):
    from community.rewards.models import Rule

    Rule.objects.filter(key="api.first_call").update(points=12)
    deliver(payload(verb="api.first_call", actor=user))
    assert reputation(user) == 12


def test_handlers_ignore_activities_about_deleted_members(voter):
    gone = UserFactory()
    up = vote(voter=voter, author=gone, post=14)
    gone.delete()
    deliver(up)
    assert not PointsEntry.objects.exists()
