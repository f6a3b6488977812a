import pytest

from tests.forums.conftest import (  # noqa: F401 (shared forum fixtures)
    _forum_settings,
    answer,
    answerer,
    asker,
    categories,
    moderator,
    qa,
    question,
    staff,
    third,
)


@pytest.fixture(autouse=True)
def _no_badges(db):
    """These tests count the forums' notifications; badges (a first question, a first answer)
    notify too, so they are switched off here (tests/badges covers their notifications)."""
    from community.badges.models import Badge
    from community.badges.services import badges_sync

    badges_sync()
    Badge.objects.update(enabled=False)
