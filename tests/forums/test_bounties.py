"""Bounties: a member spends 50-500 points on an open question; the accepted answer (not
the offerer's own) receives them, or when the bounty ends the best-voted answer posted
during it; nobody answering refunds them; one open bounty per thread, spent once however
many offers race."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone

from community.activity.models import ActivityEvent
from community.forums import services
from community.forums.models import Bounty, BountyAward, BountyState
from community.forums.services.bounties import bounties_close_due, bounty_offer
from community.notifications.models import Notification
from community.rewards.selectors import points_entries_for_user, standing_of
from community.rewards.services import points_award
from community.trust.levels import Level
from tests.factories import ThreadFactory
from tests.forums.conftest import make_member
from tests.support.activity import deliver
from tests.support.trust import level_set

pytestmark = pytest.mark.django_db


def grant(user, points: int) -> None:
    """Give a member spendable points: an award of a shipped rule with the amount given
    (registering a test rule would show in the docs' rules table for the rest of the run)."""
    points_award(user_id=user.pk, rule="account.email_verified", cause=f"grant:{user.pk}:{points}", amount=points)


def balance(user) -> int:
    return standing_of(user_id=user.pk).balance


def notifications_for(user) -> list:
    return list(Notification.objects.filter(recipient=user))


def expire(bounty: Bounty) -> None:
    Bounty.objects.filter(pk=bounty.pk).update(ends_at=timezone.now() - timedelta(minutes=1))


@pytest.fixture
def offerer(asker):
    """The asker, at the trust level that offers bounties (Member), with 600 points."""
    level_set(asker, Level.MEMBER)
    grant(asker, 600)
    return asker


def _question(author, category, title):
    return ThreadFactory(author=author, category=category, title=title, body=f"What I tried for: {title}")


def _answer(thread, author, body="Here is what worked for me: set stream=True and iterate."):
    return services.post_create(author=author, thread=thread, body=body)


def _upvote(post, *voters):
    for voter in voters:
        services.post_vote(user=voter, post=post)


def test_offer_spends_the_points_at_once_and_shows_everywhere(client, question, offerer, answerer):
    bounty = bounty_offer(user=offerer, thread=question, amount=150)
    assert bounty.state == BountyState.OPEN and bounty.amount == 150
    assert bounty.ends_at - bounty.started_at == timedelta(days=7)
    assert balance(offerer) == 450
    assert standing_of(user_id=offerer.pk).reputation == 600  # spending leaves reputation alone
    spend = points_entries_for_user(user=offerer).get(kind="spend")
    assert spend.amount == -150 and spend.cause == f"bounty:{bounty.pk}"
    deliver()
    offered = ActivityEvent.objects.get(verb="forum.bounty.offered")
    assert offered.actor_id == offerer.pk and offered.properties["amount"] == 150

    client.force_login(answerer)
    page = client.get(question.get_absolute_url()).content.decode()
    assert 'id="bounty"' in page and "+150 points" in page and "offered by" in page
    rows = client.get(reverse("forums:index")).content.decode()
    assert "+150 points bounty" in rows
    listing = client.get(reverse("forums:bounties")).content.decode()
    assert question.title in listing and "+150" in listing


@pytest.mark.parametrize("amount", [0, 49, 501, 10_000])
def test_amount_must_be_between_50_and_500(question, offerer, amount):
    with pytest.raises(ValidationError) as refused:
        bounty_offer(user=offerer, thread=question, amount=amount)
    assert "between 50 and 500" in str(refused.value)
    assert not Bounty.objects.exists() and balance(offerer) == 600


def test_the_limits_themselves_are_allowed(qa, offerer):
    low = _question(offerer, qa, "Smallest bounty question")
    high = _question(offerer, qa, "Largest bounty question")
    assert bounty_offer(user=offerer, thread=low, amount=50).amount == 50
    assert bounty_offer(user=offerer, thread=high, amount=500).amount == 500
    assert balance(offerer) == 50


def test_a_balance_too_low_spends_nothing(question, asker):
    level_set(asker, Level.MEMBER)
    grant(asker, 80)
    with pytest.raises(ValidationError) as refused:
        bounty_offer(user=asker, thread=question, amount=100)
    assert "you have 80 to spend" in str(refused.value)
    assert not Bounty.objects.exists() and balance(asker) == 80
    assert not points_entries_for_user(user=asker).filter(kind="spend").exists()


def test_one_open_bounty_per_thread_and_only_on_open_questions(categories, question, offerer, third, moderator):
    level_set(third, Level.MEMBER)
    grant(third, 300)
    bounty_offer(user=offerer, thread=question, amount=100)
    with pytest.raises(ValidationError, match="already has an open bounty"):
        bounty_offer(user=third, thread=question, amount=100)
    assert balance(third) == 300

    discussion = _question(offerer, categories["discussions"], "Tell us what you build")
    with pytest.raises(ValidationError, match="Q&A"):
        bounty_offer(user=offerer, thread=discussion, amount=50)

    solved = _question(offerer, question.category, "Already solved question here")
    reply = _answer(solved, third)
    services.post_accept_answer(user=offerer, post=reply)
    with pytest.raises(ValidationError, match="accepted answer"):
        bounty_offer(user=offerer, thread=solved, amount=50)
    assert Bounty.objects.count() == 1 and balance(offerer) == 500


def test_offering_needs_the_trust_level_member(client, question, third):
    """A Basic member with points is refused, told which level it takes; at Member they may."""
    grant(third, 200)
    with pytest.raises(PermissionDenied, match="needs trust level Member"):
        bounty_offer(user=third, thread=question, amount=50)
    assert balance(third) == 200
    client.force_login(third)
    url = reverse("forums:bounty_offer", kwargs={"pk": question.pk})
    assert "Offering a bounty needs trust level Member." in client.get(url).content.decode()
    response = client.post(url, {"amount": 50})
    assert response.status_code == 403 and "Offering a bounty needs trust level Member." in response.content.decode()
    assert not Bounty.objects.exists()
    level_set(third, Level.MEMBER)
    assert "You have 200 points to spend." in client.get(url).content.decode()
    assert bounty_offer(user=third, thread=question, amount=50).amount == 50


def test_the_accepted_answer_receives_the_bounty(client, question, offerer, answerer):
    bounty = bounty_offer(user=offerer, thread=question, amount=200)
    answer = _answer(question, answerer)
    client.force_login(offerer)
    assert client.post(reverse("forums:post_accept", kwargs={"pk": answer.pk})).status_code == 302
    deliver()  # the accept's activity pays the bounty
    bounty.refresh_from_db()
    assert bounty.state == BountyState.AWARDED and bounty.award == BountyAward.ACCEPTED
    assert bounty.awarded_post_id == answer.pk and bounty.awarded_to_id == answerer.pk
    paid = points_entries_for_user(user=answerer).get(rule_key="forum.bounty.awarded")
    assert paid.amount == 200 and paid.cause == f"bounty:{bounty.pk}" and paid.category_id == question.category_id
    assert balance(answerer) == standing_of(user_id=answerer.pk).reputation >= 200
    deliver()  # what the handler recorded, and the notification it brings
    assert ActivityEvent.objects.filter(verb="forum.bounty.awarded", actor_id=answerer.pk).count() == 1
    told = [n for n in notifications_for(answerer) if n.kind == "bounty"]
    assert len(told) == 1 and "received a bounty of 200 points" in told[0].title
    assert told[0].url == answer.get_absolute_url()

    # Un-accepting and accepting again, or the activity delivered again, pays nothing more.
    services.post_accept_answer(user=offerer, post=answer)
    services.post_accept_answer(user=offerer, post=answer)
    deliver()
    assert points_entries_for_user(user=answerer).filter(rule_key="forum.bounty.awarded").count() == 1
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Awarded to" in page and "for the accepted answer" in page


def test_the_offerers_own_answer_is_never_paid(question, asker, answerer, third):
    """A reader (not the asker) offers a bounty and answers it; the asker accepts that answer:
    the bounty stays open, and when it ends it goes to the best-voted answer by someone else."""
    level_set(third, Level.MEMBER)
    grant(third, 300)
    bounty = bounty_offer(user=third, thread=question, amount=100)
    own = _answer(question, third, body="Answering my own bounty with a long enough body.")
    other = _answer(question, answerer)
    _upvote(own, asker, answerer)
    _upvote(other, asker)
    services.post_accept_answer(user=asker, post=own)
    deliver()
    bounty.refresh_from_db()
    assert bounty.state == BountyState.OPEN
    expire(bounty)
    assert bounties_close_due() == 1
    bounty.refresh_from_db()
    assert bounty.state == BountyState.AWARDED and bounty.awarded_post_id == other.pk
    assert bounty.award == BountyAward.BEST_VOTED
    assert not points_entries_for_user(user=third).filter(rule_key="forum.bounty.awarded").exists()


def test_when_it_ends_the_best_voted_answer_posted_during_it_is_paid(question, offerer, answerer, third, moderator):
    early = _answer(question, third, body="An answer from before the bounty, much upvoted.")
    _upvote(early, answerer, moderator)
    Bounty.objects.all().delete()
    bounty = bounty_offer(user=offerer, thread=question, amount=300)
    low = _answer(question, moderator, body="A later answer with one vote from the asker.")
    best = _answer(question, answerer, body="The best answer posted during the bounty, two votes.")
    _upvote(low, offerer)
    _upvote(best, offerer, third)
    assert bounties_close_due() == 0  # not over yet
    expire(bounty)
    assert bounties_close_due() == 1
    bounty.refresh_from_db()
    assert bounty.state == BountyState.AWARDED and bounty.awarded_post_id == best.pk
    assert points_entries_for_user(user=answerer).get(rule_key="forum.bounty.awarded").amount == 300
    assert not points_entries_for_user(user=third).filter(rule_key="forum.bounty.awarded").exists()
    assert bounties_close_due() == 0  # closed once


def test_refunded_when_nobody_answers(question, offerer):
    bounty = bounty_offer(user=offerer, thread=question, amount=250)
    assert balance(offerer) == 350
    expire(bounty)
    bounties_close_due()
    deliver()
    bounty.refresh_from_db()
    assert bounty.state == BountyState.REFUNDED
    assert balance(offerer) == 600
    refund = points_entries_for_user(user=offerer).get(kind="refund")
    assert refund.amount == 250 and refund.reason == "Nobody else answered while the bounty was open."
    event = ActivityEvent.objects.get(verb="forum.bounty.refunded")
    assert event.properties["reason"] == "no_answers" and event.actor_id == offerer.pk
    # Once: closing again changes nothing.
    assert bounties_close_due() == 0 and balance(offerer) == 600


def test_answers_that_nobody_upvoted_let_the_bounty_lapse(question, offerer, answerer):
    bounty = bounty_offer(user=offerer, thread=question, amount=100)
    _answer(question, answerer)
    expire(bounty)
    bounties_close_due()
    bounty.refresh_from_db()
    assert bounty.state == BountyState.LAPSED
    assert balance(offerer) == 500 and balance(answerer) == 0


def test_a_removed_question_refunds_the_bounty(question, offerer, answerer):
    bounty = bounty_offer(user=offerer, thread=question, amount=100)
    answer = _answer(question, answerer)
    _upvote(answer, offerer)
    services.post_delete(actor=offerer, post=question.posts.get(is_first=True))
    expire(bounty)
    bounties_close_due()
    bounty.refresh_from_db()
    assert bounty.state == BountyState.REFUNDED and balance(offerer) == 600


def test_the_offer_form_on_the_thread_page(client, question, asker, offerer, answerer):
    client.force_login(offerer)
    page = client.get(question.get_absolute_url()).content.decode()
    url = reverse("forums:bounty_offer", kwargs={"pk": question.pk})
    assert "Offer a bounty" in page and f'hx-get="{url}"' in page
    # Opening the form loads the member's own part: their balance.
    assert client.get(url, HTTP_HX_REQUEST="true").content.decode().strip() == "You have 600 points to spend."
    response = client.post(url, {"amount": "40"}, follow=True)
    assert "Ensure this value is greater than or equal to 50." in response.content.decode()
    response = client.post(url, {"amount": "120"}, follow=True)
    assert "Your bounty of 120 points is open" in response.content.decode()
    assert Bounty.objects.get().amount == 120 and balance(offerer) == 480
    assert "Offer a bounty" not in client.get(question.get_absolute_url()).content.decode()  # one at a time
    # A second post (a double click) is refused and spends nothing.
    response = client.post(url, {"amount": "120"}, follow=True)
    assert "already has an open bounty" in response.content.decode() and balance(offerer) == 480


def test_signed_out_readers_see_the_bounty_but_no_form(client, question, offerer):
    bounty_offer(user=offerer, thread=question, amount=60)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "+60 points" in page and "Offer a bounty" not in page
    assert client.post(reverse("forums:bounty_offer", kwargs={"pk": question.pk}), {"amount": 60}).status_code == 302
    assert Bounty.objects.count() == 1


def test_bounty_list_query_count_does_not_grow(client, qa, offerer, django_assert_max_num_queries):
    def offer(n):
        for i in range(n):
            key = f"{Bounty.objects.count()}x{i}"
            author = make_member(f"b{key}@example.org", handle=f"bq{key}", level=Level.MEMBER)
            grant(author, 100)
            thread = _question(author, qa, f"Bounty question number {author.pk}")
            bounty_offer(user=author, thread=thread, amount=50 + i)

    offer(2)
    with django_assert_max_num_queries(4) as few:
        assert client.get(reverse("forums:bounties")).status_code == 200
    offer(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("forums:bounties")).content.decode()
    assert page.count('class="list-group-item d-flex') == 14


def test_bounty_pages_in_chinese(client, question, offerer, answerer):
    bounty_offer(user=offerer, thread=question, amount=100)
    client.cookies["django_language"] = "zh-hans"
    listing = client.get(reverse("forums:bounties")).content.decode()
    assert "悬赏" in listing and "No open bounties" not in listing and "offered by" not in listing
    client.force_login(answerer)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "悬赏" in page and "offered by" not in page and "Offer a bounty" not in page


@pytest.mark.django_db(transaction=True)
def test_concurrent_offers_open_one_bounty_and_spend_once(qa):
    """Two tabs and a double click: five offers on one question at the same moment open one
    bounty and spend its points once."""
    asker = make_member("racer@example.org", handle="racer", level=Level.MEMBER)
    grant(asker, 1000)
    thread = _question(asker, qa, "A question offered five times at once")
    barrier = threading.Barrier(5)
    outcomes = []

    def offer():
        try:
            barrier.wait()
            bounty_offer(user=asker, thread=thread, amount=200)
            outcomes.append("opened")
        except ValidationError:
            outcomes.append("refused")
        finally:
            close_old_connections()

    runners = [threading.Thread(target=offer) for _ in range(5)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert sorted(outcomes) == ["opened"] + ["refused"] * 4
    assert Bounty.objects.count() == 1 and balance(asker) == 800
    assert points_entries_for_user(user=asker).filter(kind="spend").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_offers_on_different_questions_never_overspend(qa):
    """Points for one bounty, offered on four questions at once: one opens, the balance never goes negative."""
    asker = make_member("spender@example.org", handle="spender", level=Level.MEMBER)
    grant(asker, 150)
    threads = [_question(asker, qa, f"Question {n} racing for points") for n in range(4)]
    barrier = threading.Barrier(4)
    outcomes = []

    def offer(thread):
        try:
            barrier.wait()
            bounty_offer(user=asker, thread=thread, amount=100)
            outcomes.append("opened")
        except ValidationError:
            outcomes.append("refused")
        finally:
            close_old_connections()

    runners = [threading.Thread(target=offer, args=(thread,)) for thread in threads]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert sorted(outcomes) == ["opened", "refused", "refused", "refused"]
    assert Bounty.objects.count() == 1 and balance(asker) == 50


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_closes_due_bounties_in_the_worker(celery_worker, qa):
    """The task the beat schedules, run by a real worker, refunds an unanswered bounty."""
    import time

    from django.conf import settings

    from community.forums.tasks import bounties_close

    assert settings.CELERY_BEAT_SCHEDULE["forums-bounties-close"]["task"] == bounties_close.name
    asker = make_member("worker-asker@example.org", handle="workerasker", level=Level.MEMBER)
    grant(asker, 100)
    thread = _question(asker, qa, "A question nobody will answer")
    bounty = bounty_offer(user=asker, thread=thread, amount=100)
    expire(bounty)
    bounties_close.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and Bounty.objects.get(pk=bounty.pk).state == BountyState.OPEN:
        time.sleep(0.2)
    assert Bounty.objects.get(pk=bounty.pk).state == BountyState.REFUNDED, celery_worker.output
    assert balance(asker) == 100
