"""Trust-level fixtures: the forums' members and categories, and requirements small
enough that a test earns each level with a few real activities."""

import pytest
from django.utils import translation

from tests.forums.conftest import (  # noqa: F401 - fixtures shared with the forums' tests
    _forum_settings,
    answer,
    answerer,
    asker,
    categories,
    make_member,
    moderator,
    newbie,
    qa,
    question,
    staff,
    tags,
    third,
)
from tests.support.trust import setting_set

SMALL_REQUIREMENTS = {
    "basic.topics_entered": 2,
    "basic.posts_read": 3,
    "basic.minutes_reading": 1,
    "member.days_visited": 2,
    "member.topics_entered": 2,
    "member.posts_read": 3,
    "member.minutes_reading": 1,
    "member.likes_given": 1,
    "member.likes_received": 1,
    "member.replies_posted": 1,
    "member.reputation": 10,
    # Regular asks a little more than member, so a test earns the two one after the other.
    "regular.days_visited": 3,
    "regular.topics_entered": 2,
    "regular.posts_read": 3,
    "regular.likes_given": 1,
    "regular.likes_received": 2,
    "regular.replies_posted": 1,
    "regular.reputation": 20,
    "regular.no_suspension_days": 180,
    "regular.grace_days": 0,
}


@pytest.fixture
def small_requirements(db):
    for key, value in SMALL_REQUIREMENTS.items():
        setting_set(key, value)
    return SMALL_REQUIREMENTS


@pytest.fixture
def manager(db):
    from portal.accounts.roles import Role
    from portal.accounts.services import user_set_role

    user = make_member("cm@example.org", handle="cm")
    user_set_role(user=user, role=Role.COMMUNITY_MANAGER)
    return user


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    translation.activate("en")
    yield
    translation.deactivate()
