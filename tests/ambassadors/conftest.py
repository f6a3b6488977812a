"""Ambassador fixtures: a community manager, an applicant with a verified email, an
accepted ambassador, and deliveries as the activity stream makes them."""

import pytest

from tests.badges.conftest import eager_tasks  # noqa: F401 (shared fixture)
from tests.factories import UserFactory
from tests.support.activity import deliver  # noqa: F401 (re-exported for the tests)

MOTIVATION = "I run a monthly meetup on applied LLMs in Lisbon and answer questions in Portuguese and English."


@pytest.fixture
def manager(db):
    """A community manager (staff, the role's permissions: ambassadors and trust levels)."""
    from portal.accounts.roles import Role
    from portal.accounts.services import user_set_role

    return user_set_role(user=UserFactory(email="cm@example.org"), role=Role.COMMUNITY_MANAGER)


@pytest.fixture
def applicant(db):
    return UserFactory(email="ana@example.org")


@pytest.fixture
def application(applicant):
    from community.ambassadors.services import application_submit

    return application_submit(
        user=applicant,
        motivation=MOTIVATION,
        region="europe",
        languages="Portuguese, English",
        links="https://github.com/ana\nhttps://ana.example.org/talks",
    )


@pytest.fixture
def ambassador(application, manager, eager_tasks):  # noqa: F811
    from community.ambassadors.services import application_accept

    accepted = application_accept(manager=manager, application_id=application.pk, note="Welcome!")
    deliver()
    return accepted
