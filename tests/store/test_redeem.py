"""Redeeming points: credits that /v1 honours at once, boosts, idempotent forms, and
concurrent redemptions that never spend more than the balance."""

import threading
import uuid
from decimal import Decimal

import httpx2 as httpx
import pytest
from django.db import connection
from django.urls import reverse

from community.rewards.services import InsufficientPoints
from community.store import services
from community.store.models import Redemption, RedemptionStatus
from portal.billing.selectors import credit_entries_for_user
from portal.billing.services import credits_balance, credits_charge
from sandbox.gateway import boosts
from sandbox.gateway.models import RateLimitBoost

from .conftest import balance_of, give_points

HELLO = [{"role": "user", "content": "hello brave new world"}]


def _form_key(client, item) -> str:
    """The idempotency key the rendered redeem form carries."""
    page = client.get(reverse("store:item", kwargs={"slug": item.slug}))
    assert page.status_code == 200
    return str(page.context["form"]["idempotency_key"].value())


@pytest.mark.django_db(transaction=True)
def test_credits_redeemed_are_honoured_by_v1_at_once(client, v1, celery_worker, user, secret, echo_model, credits_item):
    """A member whose /v1 call was refused for lack of credits redeems points for credits on
    the store's page; the next call succeeds, and the usage page shows the new balance."""
    credits_charge(user=user, amount=credits_balance(user=user), reason="spent")
    headers = {"Authorization": f"Bearer {secret}"}
    body = {"model": "echo", "messages": HELLO}
    refused = httpx.post(f"{v1}/chat/completions", headers=headers, json=body, timeout=30)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "insufficient_quota"

    give_points(user, 120)
    client.force_login(user)
    key = _form_key(client, credits_item)
    response = client.post(reverse("store:item", kwargs={"slug": credits_item.slug}), {"idempotency_key": key})
    assert response.status_code == 302 and response["Location"].startswith(reverse("store:redemptions"))

    assert credits_balance(user=user) == Decimal("10")
    assert balance_of(user) == 20
    answered = httpx.post(f"{v1}/chat/completions", headers=headers, json=body, timeout=30)
    assert answered.status_code == 200, answered.text

    usage = client.get(reverse("usage:usage")).content.decode()
    assert "Rewards store: 10 compute credits" in usage
    assert "Community reward" in usage
    redemption = Redemption.objects.get(member=user)
    assert redemption.status == RedemptionStatus.COMPLETED and redemption.credit_amount == Decimal("10")


def test_the_same_form_twice_spends_once(client, user, credits_item):
    """A double click (the same form's key twice) places one order and spends once."""
    give_points(user, 250)
    client.force_login(user)
    key = _form_key(client, credits_item)
    url = reverse("store:item", kwargs={"slug": credits_item.slug})
    first = client.post(url, {"idempotency_key": key}, follow=True)
    second = client.post(url, {"idempotency_key": key}, follow=True)
    assert "Redeemed" in first.content.decode()
    assert "already placed" in second.content.decode()
    assert Redemption.objects.filter(member=user).count() == 1
    assert balance_of(user) == 150
    assert credits_balance(user=user) == Decimal("10")
    # A new form (a new key) is a new order.
    client.post(url, {"idempotency_key": _form_key(client, credits_item)})
    assert balance_of(user) == 50
    assert Redemption.objects.filter(member=user).count() == 2


def test_short_balance_is_refused_and_nothing_changes(client, user, credits_item):
    """Not enough points: the page says so, the button is disabled with the reason, and a
    forced POST writes nothing."""
    give_points(user, 60)
    client.force_login(user)
    index = client.get(reverse("store:index")).content.decode()
    assert "You need 40 more points" in index and "disabled" in index
    response = client.post(
        reverse("store:item", kwargs={"slug": credits_item.slug}), {"idempotency_key": str(uuid.uuid4())}
    )
    assert response.status_code == 409
    assert "Not enough points: you have 60, and this costs 100" in response.content.decode()
    assert balance_of(user) == 60
    assert not Redemption.objects.exists()
    assert credits_balance(user=user) == 0


def test_a_boost_redeemed_raises_the_limits(client, user, boost_item):
    """A boost item grants a rate-limit boost that the limiter reads at once."""
    give_points(user, 50)
    client.force_login(user)
    client.post(reverse("store:item", kwargs={"slug": boost_item.slug}), {"idempotency_key": str(uuid.uuid4())})
    redemption = Redemption.objects.get(member=user)
    boost = RateLimitBoost.objects.get(user=user)
    assert boost.multiplier == Decimal("2") and boost.ends - boost.starts == boost_item.boost_duration
    assert (redemption.boost_starts, redemption.boost_ends) == (boost.starts, boost.ends)
    from tests.support.activity import deliver

    deliver()  # the boost is published to Redis when the order commits
    assert boosts.rate_limit_multiplier(user_id=user.pk) == 2
    assert balance_of(user) == 0


def _redeem_in_threads(user, item, keys):
    results = []
    barrier = threading.Barrier(len(keys))

    def redeem(key):
        try:
            barrier.wait()
            outcome = services.redemption_create(member=user, item=item, idempotency_key=key)
            results.append(("ok", outcome.created))
        except InsufficientPoints as exc:
            results.append(("short", exc.messages[0]))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results.append(("error", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.django_db(transaction=True)
def test_20_concurrent_redemptions_with_points_for_one(user, credits_item):
    """Twenty forms submitted at once, points for one: exactly one order completes, the
    others are told the balance is short, and the balance never goes below zero."""
    give_points(user, 150)
    results = _redeem_in_threads(user, credits_item, [uuid.uuid4() for _ in range(20)])
    assert sorted(kind for kind, _detail in results) == ["ok"] + ["short"] * 19, results
    assert all("Not enough points" in detail for kind, detail in results if kind == "short")
    assert Redemption.objects.filter(member=user).count() == 1
    assert balance_of(user) == 50
    assert credits_balance(user=user) == Decimal("10")
    assert credit_entries_for_user(user=user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_20_concurrent_submissions_of_one_form_spend_once(user, credits_item):
    """The same form's key twenty times at once (a retrying client, two tabs): one order."""
    give_points(user, 1000)
    key = uuid.uuid4()
    results = _redeem_in_threads(user, credits_item, [key] * 20)
    assert sorted(results) == [("ok", False)] * 19 + [("ok", True)], results
    assert Redemption.objects.filter(member=user).count() == 1
    assert balance_of(user) == 900
    assert credits_balance(user=user) == Decimal("10")


def test_a_failed_grant_leaves_the_balance_untouched(user, credits_item, monkeypatch):
    """If delivering fails after the points were spent, the whole order rolls back."""
    give_points(user, 100)

    def broken(**kwargs):
        raise RuntimeError("billing is down")

    monkeypatch.setattr(services, "credits_grant", broken)
    with pytest.raises(RuntimeError):
        services.redemption_create(member=user, item=credits_item, idempotency_key=uuid.uuid4())
    assert balance_of(user) == 100
    assert not Redemption.objects.exists()


def test_items_off_sale_cannot_be_redeemed(client, user, credits_item):
    give_points(user, 500)
    credits_item.active = False
    credits_item.save()
    client.force_login(user)
    assert client.get(reverse("store:item", kwargs={"slug": credits_item.slug})).status_code == 404
    assert credits_item.name not in client.get(reverse("store:index")).content.decode()
    with pytest.raises(services.RedemptionRefused):
        services.redemption_create(member=user, item=credits_item, idempotency_key=uuid.uuid4())
    assert balance_of(user) == 500
