import itertools
from datetime import timedelta
from decimal import Decimal

import pytest

from community.store.models import ItemKind, StoreItem
from portal.accounts.roles import Role
from portal.accounts.services import user_set_role
from tests.apikeys.fixtures import *  # noqa: F403
from tests.factories import UserFactory

_causes = itertools.count()


@pytest.fixture
def v1(asgi_server):
    """The /v1 base URL of the site served by uvicorn in its own process."""
    return f"{asgi_server}/v1"


def give_points(user, amount: int) -> None:
    """Points earned as the ledger awards them (an accepted answer, with the amount set)."""
    from community.rewards.services import points_award

    entry = points_award(user_id=user.pk, rule="forum.answer.accepted", cause=f"test:{next(_causes)}", amount=amount)
    assert entry is not None and entry.amount == amount


def balance_of(user) -> int:
    """The spendable balance as stored (not clamped at zero as pages show it)."""
    from community.rewards.models import MemberStanding

    return MemberStanding.objects.filter(pk=user.pk).values_list("balance", flat=True).first() or 0


@pytest.fixture
def credits_item(db):
    return StoreItem.objects.create(
        kind=ItemKind.CREDITS,
        name="10 compute credits",
        slug="credits-10",
        points_price=100,
        credit_amount=Decimal("10"),
    )


@pytest.fixture
def boost_item(db):
    return StoreItem.objects.create(
        kind=ItemKind.RATE_LIMIT_BOOST,
        name="Double rate limits for a day",
        slug="boost-2x",
        points_price=50,
        boost_multiplier=Decimal("2"),
        boost_duration=timedelta(days=1),
    )


@pytest.fixture
def tshirt(db):
    return StoreItem.objects.create(
        kind=ItemKind.PHYSICAL, name="Atrium T-shirt", slug="t-shirt", points_price=300, stock=2, needs_shipping=True
    )


@pytest.fixture
def manager(db):
    user = UserFactory(email="cm@example.com")
    user_set_role(user=user, role=Role.COMMUNITY_MANAGER)
    return user


SHIPPING = {
    "shipping_name": "Ada Lovelace",
    "shipping_address": "12 St James's Square",
    "shipping_city": "London",
    "shipping_postal_code": "SW1Y 4JH",
    "shipping_country": "United Kingdom",
    "shipping_phone": "+44 20 7946 0958",
}
