"""Members move between trust levels from what they really do: every step here is driven by
the forums' and accounts' own activities (a thread read, the reading beacon, a day
visited, a reply, an upvote, the ledger's reputation), delivered through the activity
stream's flush. Regulars are demoted by the daily task when the window no longer holds;
leaders are made and unmade by managers only; a locked level never moves by itself."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from community.activity.models import ActivityEvent
from community.forums import services as forums
from community.forums.models import Thread
from community.notifications.models import Notification
from community.trust import services
from community.trust.levels import Level
from community.trust.models import LevelChange, MemberTrust
from portal.accounts.visits import visit_record
from tests.support.activity import deliver
from tests.support.trust import level_set, setting_set

pytestmark = pytest.mark.django_db


def level(member) -> Level:
    stored = MemberTrust.objects.filter(user=member).values_list("level", flat=True).first()
    return Level(stored or 0)


def topic(author, category, title: str, *repliers) -> Thread:
    thread = forums.thread_create(author=author, category=category, title=title, body=f"{title}: the details.")
    for n, who in enumerate(repliers):
        forums.post_create(author=who, thread=thread, body=f"Reply {n} to {title}, with some substance.")
    return Thread.objects.get(pk=thread.pk)


def read(member, thread: Thread) -> None:
    """The member opens the thread (its page calls this): a topic entered, its posts read."""
    forums.thread_mark_read(user=member, thread=Thread.objects.get(pk=thread.pk))


def read_for(member, thread: Thread, seconds: int) -> None:
    """The page's beacon reports `seconds` of reading, that long after the page was served."""
    served = time.time()
    token = forums.reading_visit_token(user=member, thread=thread, now=served)
    forums.thread_reading_time_record(user=member, thread=thread, token=token, seconds=seconds, now=served + seconds)


def visit(member, *, days_ago: int) -> None:
    visit_record(user=member, now=datetime.now(UTC) - timedelta(days=days_ago))


def first_answer(thread: Thread):
    return thread.posts.filter(is_first=False).order_by("created_at").first()


def earn_basic(member, qa, asker, answerer) -> list[Thread]:
    one = topic(asker, qa, "How do I stream completions?", answerer, answerer)
    two = topic(asker, qa, "Why is my batch job slow?", answerer)
    read(member, one)
    deliver()
    assert level(member) == Level.NEW  # one topic entered of two
    read(member, two)
    deliver()
    assert level(member) == Level.NEW  # two topics and five posts, but no minute of reading yet
    read_for(member, two, 61)
    deliver()
    return [one, two]


def earn_member(member, topics, asker, answerer) -> None:
    visit(member, days_ago=1)
    visit(member, days_ago=0)
    reply = forums.post_create(author=member, thread=topics[0], body="Same here: iterate over the stream.")
    forums.post_vote(user=member, post=first_answer(topics[0]))  # an upvote given
    deliver()
    assert level(member) == Level.BASIC  # nobody upvoted them yet: no upvote received, no reputation
    forums.post_vote(user=asker, post=reply)  # received: +10 reputation (answer upvoted)
    deliver()
    return reply


def earn_regular(member, reply, third) -> None:
    visit(member, days_ago=2)
    deliver()
    assert level(member) == Level.MEMBER  # a third day visited, but one upvote received of two
    forums.post_vote(user=third, post=reply)
    deliver()


def test_new_basic_member_regular_each_earned_by_real_activity(small_requirements, qa, asker, answerer, third, newbie):
    """Reading lifts a new member to basic; visits, a reply, upvotes and reputation to
    member; more of it over the window to regular. Each step once, told and recorded."""
    topics = earn_basic(newbie, qa, asker, answerer)
    assert level(newbie) == Level.BASIC
    reply = earn_member(newbie, topics, asker, answerer)
    assert level(newbie) == Level.MEMBER
    earn_regular(newbie, reply, third)
    assert level(newbie) == Level.REGULAR

    changes = list(LevelChange.objects.filter(user=newbie).order_by("created_at", "id"))
    assert [(c.old_level, c.new_level, c.reason) for c in changes] == [
        (Level.NEW, Level.BASIC, "promoted"),
        (Level.BASIC, Level.MEMBER, "promoted"),
        (Level.MEMBER, Level.REGULAR, "promoted"),
    ]
    deliver()  # the last change's own activity, recorded by its handler
    recorded = ActivityEvent.objects.filter(verb="rewards.level.changed", actor=newbie).order_by("occurred_at")
    assert [(a.properties["old"], a.properties["new"]) for a in recorded] == [(0, 1), (1, 2), (2, 3)]
    told = Notification.objects.filter(recipient=newbie, kind="level").order_by("created_at")
    assert [n.title for n in told] == [
        "You reached trust level Basic. See what it unlocks.",
        "You reached trust level Member. See what it unlocks.",
        "You reached trust level Regular. See what it unlocks.",
    ]
    assert told[0].url == reverse("trust:levels")
    deliver()  # nothing more to deliver: nothing changes twice
    assert LevelChange.objects.filter(user=newbie).count() == 3


def test_the_counters_come_from_the_activities(small_requirements, qa, asker, answerer, newbie):
    """Topics entered are first visits; rereading with nothing new counts nothing; the
    beacon's seconds are counted once per visit, however often it fires."""
    one = topic(asker, qa, "A topic with two replies", answerer, answerer)
    read(newbie, one)
    read(newbie, one)  # nothing new: not read again
    served = time.time()
    token = forums.reading_visit_token(user=newbie, thread=one, now=served)
    for total in (20, 20, 45):  # the beacon fires as the page hides, shows, hides again
        forums.thread_reading_time_record(user=newbie, thread=one, token=token, seconds=total, now=served + 50)
    forums.post_create(author=answerer, thread=one, body="A third reply arrives later on.")
    read(newbie, one)
    deliver()
    trust = MemberTrust.objects.get(user=newbie)
    assert (trust.topics_entered, trust.posts_read, trust.seconds_reading) == (1, 4, 45)


def test_a_regular_is_demoted_when_the_window_no_longer_holds(small_requirements, qa, asker, answerer, third, newbie):
    """The daily task keeps a regular who still meets the last 100 days and demotes one
    who stopped (to member, never lower); member and basic are never taken back."""
    topics = earn_basic(newbie, qa, asker, answerer)
    earn_regular(newbie, earn_member(newbie, topics, asker, answerer), third)
    assert level(newbie) == Level.REGULAR
    assert services.members_evaluate_daily()["demoted"] == 0
    assert level(newbie) == Level.REGULAR

    later = datetime.now(UTC) + timedelta(days=101)  # everything they did is outside the window
    assert services.members_evaluate_daily(now=later)["demoted"] == 1
    assert level(newbie) == Level.MEMBER
    change = LevelChange.objects.filter(user=newbie).latest("created_at")
    assert (change.old_level, change.new_level, change.reason) == (Level.REGULAR, Level.MEMBER, "demoted")
    assert not Notification.objects.filter(recipient=newbie, title__contains="Member", created_at__gt=change.created_at)
    services.members_evaluate_daily(now=later + timedelta(days=400))
    assert level(newbie) == Level.MEMBER  # member (and basic) are kept for good


def test_a_suspension_costs_the_regular_level(small_requirements, qa, asker, answerer, third, newbie, moderator):
    """Suspended (the forums' moderation activity): no longer 'no suspension in the last
    180 days', so the daily task demotes, and the member cannot be promoted again until
    that has passed."""
    topics = earn_basic(newbie, qa, asker, answerer)
    earn_regular(newbie, earn_member(newbie, topics, asker, answerer), third)
    forums.user_suspend(
        moderator=moderator, user=newbie, reason="Spamming links", ends_at=datetime.now(UTC) + timedelta(days=1)
    )
    deliver()
    assert MemberTrust.objects.get(user=newbie).last_suspended_at is not None
    services.members_evaluate_daily()
    assert level(newbie) == Level.MEMBER
    visit(newbie, days_ago=3)
    deliver()
    assert level(newbie) == Level.MEMBER


def test_a_new_regular_has_a_grace_period(small_requirements, qa, asker, answerer, third, newbie):
    setting_set("regular.grace_days", 14)
    topics = earn_basic(newbie, qa, asker, answerer)
    earn_regular(newbie, earn_member(newbie, topics, asker, answerer), third)
    setting_set("regular.window_days", 1)
    services.members_evaluate_daily(now=datetime.now(UTC) + timedelta(days=5))
    assert level(newbie) == Level.REGULAR  # promoted 5 days ago: within the grace period
    services.members_evaluate_daily(now=datetime.now(UTC) + timedelta(days=15))
    assert level(newbie) == Level.MEMBER


def test_leader_is_never_reached_automatically_and_only_managers_grant_it(
    small_requirements, qa, asker, answerer, third, newbie, moderator, staff, manager
):
    topics = earn_basic(newbie, qa, asker, answerer)
    earn_regular(newbie, earn_member(newbie, topics, asker, answerer), third)
    for _n in range(3):
        services.members_evaluate_daily()
    assert level(newbie) == Level.REGULAR
    for not_a_manager in (newbie, moderator, staff):  # staff without the trust permission either
        with pytest.raises(PermissionDenied):
            services.member_level_set(manager=not_a_manager, user=newbie, level=Level.LEADER, locked=False)
    assert level(newbie) == Level.REGULAR

    services.member_level_set(manager=manager, user=newbie, level=Level.LEADER, locked=False, note="Runs meetups")
    assert level(newbie) == Level.LEADER
    granted = LevelChange.objects.filter(user=newbie).latest("created_at")
    assert (granted.new_level, granted.reason, granted.changed_by, granted.note) == (
        Level.LEADER,
        "manager",
        manager,
        "Runs meetups",
    )
    services.members_evaluate_daily(now=datetime.now(UTC) + timedelta(days=400))
    assert level(newbie) == Level.LEADER  # nothing automatic touches a leader

    # Revoking hands the level back to the rules: what the member reaches now.
    services.member_level_release(manager=manager, user=newbie)
    assert level(newbie) == Level.REGULAR


def test_a_locked_level_does_not_move_until_released(small_requirements, qa, asker, answerer, newbie, manager):
    services.member_level_set(manager=manager, user=newbie, level=Level.NEW, locked=True, note="Watching")
    earn_basic(newbie, qa, asker, answerer)
    assert level(newbie) == Level.NEW
    services.member_level_release(manager=manager, user=newbie)
    assert level(newbie) == Level.BASIC
    assert LevelChange.objects.filter(user=newbie).latest("created_at").reason == "unlocked"


def test_managers_step_a_member_down_each_level(answerer, manager):
    """What the rules never do (member and basic are kept), a manager may: each step
    recorded, none of them notified as a promotion."""
    level_set(answerer, Level.MEMBER)
    for target in (Level.BASIC, Level.NEW):
        services.member_level_set(manager=manager, user=answerer, level=target, locked=True)
        assert level(answerer) == target
    steps = LevelChange.objects.filter(user=answerer).order_by("created_at", "id")
    assert [(c.old_level, c.new_level) for c in steps] == [(2, 1), (1, 0)]
    assert not Notification.objects.filter(recipient=answerer, kind="level").exists()


def test_the_staff_form_is_for_managers_only(client, answerer, moderator, manager):
    url = reverse("trust:member_level", kwargs={"user_id": answerer.pk})
    assert client.get(url).status_code == 302  # to log in
    client.force_login(moderator)
    assert client.get(url).status_code == 403
    assert client.post(url, {"level": Level.LEADER}).status_code == 403
    assert level(answerer) == Level.BASIC
    client.force_login(manager)
    assert client.get(url).status_code == 200
    response = client.post(url, {"level": Level.LEADER, "note": "Top answerer"})
    assert response.status_code == 302 and level(answerer) == Level.LEADER
    client.post(url, {"release": "1", "level": Level.LEADER})
    assert level(answerer) == Level.NEW  # nothing earned: the rules give new (fixtures set basic by hand)


def test_managers_grant_leader_from_the_admin(client, answerer, manager):
    trust = MemberTrust.objects.get(user=answerer)
    client.force_login(manager)
    response = client.post(
        reverse("admin:trust_membertrust_changelist"),
        {"action": "grant_leader", "_selected_action": [trust.pk]},
    )
    assert response.status_code == 302
    assert level(answerer) == Level.LEADER
    assert LevelChange.objects.filter(user=answerer, changed_by=manager, new_level=Level.LEADER).exists()


def test_activities_about_a_deleted_account_count_nothing(question, answer, asker, answerer):
    """An upvote delivered after its post's author deleted their account: the voter's
    counter moves, nothing is kept for the deleted one, and the handler succeeds."""
    from community.activity.models import HandlerRun

    forums.post_vote(user=asker, post=answer)
    answerer.delete()
    deliver()
    assert MemberTrust.objects.get(user=asker).likes_given == 1
    assert not MemberTrust.objects.filter(user_id=answerer.pk).exists()
    assert set(HandlerRun.objects.filter(handler="trust.count_like").values_list("status", flat=True)) == {"succeeded"}


def test_an_upvote_evaluates_only_members_whose_next_level_counts_upvotes(db):
    """Every vote evaluates its voter and author, so the batch skips members an upvote cannot
    promote: with the defaults *basic* asks for no upvotes or reputation, so a *new* member
    who meets it (counted by their reads, which evaluate them) is not looked at again here;
    a *basic* member one upvote short of *member* is."""
    from tests.factories import UserFactory

    new, basic = UserFactory(), UserFactory()
    MemberTrust.objects.create(user=new, topics_entered=5, posts_read=30, seconds_reading=600)
    MemberTrust.objects.create(
        user=basic,
        level=Level.BASIC,
        days_visited=15,
        topics_entered=20,
        posts_read=100,
        seconds_reading=3600,
        likes_given=1,
        likes_received=1,
        replies_posted=3,
    )
    from community.rewards.services import points_award

    points_award(user_id=basic.pk, rule="forum.answer.accepted", cause="accept:1")  # reputation 15
    moved = ("likes_given", "likes_received", "reputation")
    assert services.members_evaluate(user_ids=[new.pk, basic.pk], moved=moved) == 1
    assert (level(new), level(basic)) == (Level.NEW, Level.MEMBER)
    assert services.members_evaluate(user_ids=[new.pk]) == 1  # any other change looks at everyone
    assert level(new) == Level.BASIC
