"""The store's pages: in both languages, bounded queries, and the hub's store section."""

import uuid

import pytest
from django.urls import reverse

from community.store import services
from community.store.demo import seed
from community.store.models import StoreItem
from tests.docs.test_translations import english_on_page

from .conftest import SHIPPING, give_points

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_items(db):
    seed(stdout=None)
    return {item.slug: item for item in StoreItem.objects.all()}


def _orders(user, items, n=3):
    for _ in range(n):
        for item in items.values():
            services.redemption_create(member=user, item=item, idempotency_key=uuid.uuid4(), shipping=dict(SHIPPING))


def test_the_index_shows_prices_balance_and_why_a_button_is_disabled(client, user, demo_items):
    give_points(user, 120)
    client.force_login(user)
    html = client.get(reverse("store:index")).content.decode()
    assert 'id="store-balance">120<' in html
    assert "100 points" in html and "500 points" in html
    assert "You need 30 more points" in html  # the boost at 150
    assert "You need 380 more points" in html  # the T-shirt at 500
    assert html.count('disabled aria-describedby="item-') == 2
    assert 'href="/rewards/store/compute-credits-10/"' in html


def test_visitors_see_the_store_and_are_asked_to_log_in(client, demo_items):
    html = client.get(reverse("store:index")).content.decode()
    assert "Log in to redeem" in html
    response = client.get(reverse("store:item", kwargs={"slug": "compute-credits-10"}))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "url_name",
    ["store:index", "store:redemptions", "store:manage", "store:item", "rewards:hub"],
)
def test_pages_read_in_chinese(client, manager, demo_items, url_name):
    """Every store page (and the hub's store section) in Chinese: no English left but names."""
    give_points(manager, 2000)
    _orders(manager, demo_items, n=1)
    services.redemption_refuse(
        redemption_id=manager.store_redemptions.get(kind="physical").pk, manager=manager, note="地址不完整"
    )
    client.force_login(manager)
    client.cookies["django_language"] = "zh-hans"
    kwargs = {"slug": "atrium-t-shirt"} if url_name == "store:item" else {}
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    allowed = {manager.email, manager.profile.name, manager.profile.handle, "地址不完整"}
    assert english_on_page(html, allowed_texts=allowed) == []
    assert "奖励商店" in html


def test_pages_read_in_english(client, manager, demo_items):
    give_points(manager, 2000)
    _orders(manager, demo_items, n=1)
    client.force_login(manager)
    assert "Rewards store" in client.get(reverse("store:index")).content.decode()
    assert "Waiting for approval" in client.get(reverse("store:manage")).content.decode()
    orders = client.get(reverse("store:redemptions")).content.decode()
    assert "Atrium T-shirt" in orders and "10 credits added" in orders and "Rate limits ×2" in orders
    hub = client.get(reverse("rewards:hub")).content.decode()
    assert 'id="hub-store"' in hub and "Double rate limits for a day" in hub and "Your last order" in hub


def test_lists_take_a_bounded_number_of_queries(client, manager, demo_items, django_assert_max_num_queries):
    """However many items and orders, each page runs the same few queries."""
    give_points(manager, 100_000)
    _orders(manager, demo_items, n=10)
    client.force_login(manager)
    for name in ("store:index", "store:redemptions", "store:manage"):
        with django_assert_max_num_queries(8):
            assert client.get(reverse(name)).status_code == 200
