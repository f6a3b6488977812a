"""Forum fixtures: the five standard categories, tags, members old enough to be trusted,
a moderator holding the forums' moderation permissions."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from community.forums import services
from community.forums.models import Category, CategoryKind, Post, Tag
from community.trust.levels import Level
from tests.factories import ThreadFactory, UserFactory
from tests.support.trust import level_set

MODERATION_CODENAMES = [codename for codename, _label in Post._meta.permissions]


def make_member(email: str, *, handle: str | None = None, days_old: int = 30, level: int | None = None, **extra):
    """A member `days_old` days old; one of some days has trust level Basic (the new members'
    limits lifted, as the accounts trusted before trust levels were), a fresh one is New."""
    user = UserFactory(email=email, **extra)
    user.date_joined = timezone.now() - timedelta(days=days_old)
    user.save(update_fields=["date_joined"])
    if level is None:
        level = Level.BASIC if days_old >= 2 else Level.NEW
    if level != Level.NEW:
        level_set(user, level)
    if handle:
        user.profile.handle = handle
        user.profile.display_name = handle.capitalize()
        user.profile.save()
    return user


@pytest.fixture(autouse=True)
def _forum_settings(settings):
    # Flood protection has its own test; elsewhere members may post back to back.
    settings.FORUM_FLOOD_SECONDS = 0


@pytest.fixture
def categories(db):
    kinds = [
        ("Q&A", "qa", CategoryKind.QA),
        ("Discussions", "discussions", CategoryKind.DISCUSSION),
        ("Announcements", "announcements", CategoryKind.ANNOUNCEMENT),
        ("Ideas & feedback", "ideas", CategoryKind.IDEAS),
        ("Showcase", "showcase", CategoryKind.SHOWCASE),
    ]
    return {slug: Category.objects.create(name=name, slug=slug, kind=kind) for name, slug, kind in kinds}


@pytest.fixture
def qa(categories):
    return categories["qa"]


@pytest.fixture
def tags(db):
    return [Tag.objects.create(name=n, slug=n) for n in ("python", "streaming", "fine-tuning")]


@pytest.fixture
def asker(db):
    return make_member("ada@example.org", handle="ada")


@pytest.fixture
def answerer(db):
    return make_member("grace@example.org", handle="grace")


@pytest.fixture
def third(db):
    return make_member("linus@example.org", handle="linus")


@pytest.fixture
def newbie(db):
    return make_member("new@example.org", handle="newbie", days_old=0)


@pytest.fixture
def moderator(db):
    user = make_member("mod@example.org", handle="mod")
    group, _created = Group.objects.get_or_create(name="Moderator")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="forums", codename__in=MODERATION_CODENAMES)
    )
    user.groups.add(group)
    return user


@pytest.fixture
def staff(db):
    return make_member("staff@example.org", handle="staffer", is_staff=True)


@pytest.fixture
def question(qa, asker):
    return ThreadFactory(
        author=asker,
        category=qa,
        title="How do I stream completions in Python?",
        body="I call the API with `stream=True` but get one chunk. What am I missing?",
    )


@pytest.fixture
def answer(question, answerer):
    return services.post_create(
        author=answerer,
        thread=question,
        body="Iterate over the response:\n\n```python\nfor chunk in stream:\n    print(chunk)\n```",
    )
