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
