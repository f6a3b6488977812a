"""The badges of events, the showcase, recipes, ambassadors and hackathons (issue 17): each
earned from its activity at its threshold, once however often the activity is delivered."""

import pytest

from community.activity.services import activity_record
from community.badges.definitions import BADGES_BY_SLUG, Grade
from community.badges.models import BadgeAward, MemberTally
from community.notifications.models import Notification

from .conftest import deliver

pytestmark = pytest.mark.django_db

OTHER = "other"  # replaced by another member's id: properties name real accounts


def held(user, slug: str) -> list[BadgeAward]:
    return list(BadgeAward.objects.filter(user=user, badge__slug=slug))


@pytest.mark.parametrize(
    ("verb", "properties", "slug", "counter", "grade"),
    [
        (
            "event.attended",
            {"event": 7, "kind": "meetup", "method": "code", "organiser": OTHER},
            "attendee",
            "events_attended",
            Grade.BRONZE,
        ),
        (
            "showcase.entry.published",
            {"entry": 3, "models": ["echo"], "tags": []},
            "builder",
            "showcase_entries",
            "bronze",
        ),
        ("showcase.entry.featured", {"entry": 3, "featured_by": OTHER}, "featured", "showcase_featured", Grade.SILVER),
        ("ambassador.accepted", {"region": "europe", "reviewed_by": OTHER}, "ambassador", "ambassador", Grade.GOLD),
        (
            "hackathon.prize.awarded",
            {"hackathon": 1, "place": 1, "kind": "points", "amount": 500},
            "hackathon-winner",
            "hackathon_prizes",
            Grade.GOLD,
        ),
    ],
)
def test_actor_badges_are_earned_once(user, other_user, verb, properties, slug, counter, grade):
    """The actor earns the badge at once, counted once though delivered three times; nobody else does."""
    properties = {key: other_user.pk if value == OTHER else value for key, value in properties.items()}
    activity_record(actor=user, verb=verb, properties=properties, dedupe_key=f"test:{verb}:{user.pk}")
    deliver(times=3)
    [award] = held(user, slug)
    assert award.badge.grade == grade and award.cause == ""
    assert getattr(MemberTally.objects.get(user=user), counter) == 1
    assert held(other_user, slug) == []
    [notification] = Notification.objects.filter(recipient=user, kind="badge")
    assert str(BADGES_BY_SLUG[slug].name) in notification.title
    # A second such activity counts, and awards nothing more.
    activity_record(actor=user, verb=verb, properties=properties, dedupe_key=f"test:{verb}:{user.pk}:2")
    deliver(times=2)
    assert len(held(user, slug)) == 1
    assert getattr(MemberTally.objects.get(user=user), counter) == 2


def test_regular_after_five_events_attended(user):
    for event in range(4):
        activity_record(
            actor=user,
            verb="event.attended",
            properties={"event": event, "kind": "webinar", "method": "organiser", "organiser": None},
            dedupe_key=f"event.attended:{event}:{user.pk}",
        )
    deliver(times=2)
    assert MemberTally.objects.get(user=user).events_attended == 4
    assert len(held(user, "attendee")) == 1 and held(user, "regular") == []
    activity_record(
        actor=user,
        verb="event.attended",
        properties={"event": 4, "kind": "meetup", "method": "code", "organiser": None},
        dedupe_key=f"event.attended:4:{user.pk}",
    )
    deliver(times=2)
    [award] = held(user, "regular")
    assert award.badge.grade == Grade.SILVER


def test_recipe_author_when_someone_elses_fork_succeeds(user, other_user):
    """The counter is the recipe author's (a property), never the forker's; a self-fork earns nothing."""
    activity_record(
        actor=user,
        verb="recipe.fork.succeeded",
        properties={"recipe": 1, "recipe_author": user.pk, "job": 10},
        dedupe_key="fork:10",
    )
    deliver(times=2)
    assert held(user, "recipe-author") == []
    activity_record(
        actor=other_user,
        verb="recipe.fork.succeeded",
        properties={"recipe": 1, "recipe_author": user.pk, "job": 11},
        dedupe_key="fork:11",
    )
    deliver(times=3)
    [award] = held(user, "recipe-author")
    assert award.badge.grade == Grade.SILVER
    assert MemberTally.objects.get(user=user).recipe_forks_succeeded == 1
    assert held(other_user, "recipe-author") == []
    assert not MemberTally.objects.filter(user=other_user, recipe_forks_succeeded__gt=0).exists()


def test_programme_badges_are_listed_with_their_translations(client):
    from django.utils import translation

    page = client.get("/rewards/badges/")
    assert page.status_code == 200
    for slug in ("attendee", "regular", "builder", "featured", "recipe-author", "ambassador", "hackathon-winner"):
        assert f"/rewards/badges/{slug}/" in page.content.decode()
    with translation.override("zh-hans"):
        assert str(BADGES_BY_SLUG["ambassador"].name) == "社区大使"
        assert str(BADGES_BY_SLUG["hackathon-winner"].description) == "在黑客松中获奖。"
