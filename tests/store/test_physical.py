"""Physical items: a validated shipping address, stock taken with the order, a manager's
approval or refusal (points refunded, stock restored, the member notified and mailed),
and the management pages for staff only."""

import uuid

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from community.notifications.models import Notification, NotificationKind
from community.notifications.services import notification_email_send
from community.store import services
from community.store.models import Redemption, RedemptionStatus, StoreItem
from tests.factories import UserFactory
from tests.support.activity import deliver

from .conftest import SHIPPING, balance_of, give_points

pytestmark = pytest.mark.django_db


def _order(client, user, item, **shipping):
    client.force_login(user)
    data = {"idempotency_key": str(uuid.uuid4()), **SHIPPING, **shipping}
    return client.post(reverse("store:item", kwargs={"slug": item.slug}), data)


def _stock(item) -> int:
    return StoreItem.objects.values_list("stock", flat=True).get(pk=item.pk)


def test_the_shipping_form_is_validated_and_nothing_is_spent_until_it_is(client, user, tshirt):
    give_points(user, 300)
    client.force_login(user)
    page = client.get(reverse("store:item", kwargs={"slug": tshirt.slug})).content.decode()
    assert 'name="shipping_address"' in page and 'name="idempotency_key"' in page
    bad = _order(client, user, tshirt, shipping_address="", shipping_postal_code="<script>")
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "This field is required." in html and "Enter a valid postal code" in html
    assert "<script>" not in html
    assert balance_of(user) == 300 and _stock(tshirt) == 2 and not Redemption.objects.exists()
    assert _order(client, user, tshirt, shipping_name="Ada\nLovelace").status_code == 400  # no line breaks smuggled

    assert _order(client, user, tshirt).status_code == 302
    order = Redemption.objects.get(member=user)
    assert order.status == RedemptionStatus.PENDING
    assert order.shipping_postal_code == "SW1Y 4JH" and order.shipping_city == "London"
    assert balance_of(user) == 0 and _stock(tshirt) == 1


def test_the_last_one_in_stock_goes_to_one_member(client, user, other_user, tshirt):
    """Stock is taken with a conditional update: the member after the last one is told it
    is out of stock, and their points stay."""
    tshirt.stock = 1
    tshirt.save()
    give_points(user, 300)
    give_points(other_user, 300)
    assert _order(client, user, tshirt).status_code == 302
    with pytest.raises(services.RedemptionRefused, match="out of stock"):
        services.redemption_create(
            member=other_user, item=tshirt, idempotency_key=uuid.uuid4(), shipping=dict(SHIPPING)
        )
    assert balance_of(other_user) == 300 and _stock(tshirt) == 0
    client.force_login(other_user)
    assert "Out of stock" in client.get(reverse("store:index")).content.decode()


def test_a_manager_approves_and_the_member_hears(client, user, manager, tshirt):
    give_points(user, 300)
    _order(client, user, tshirt)
    order = Redemption.objects.get()
    client.force_login(manager)
    page = client.get(reverse("store:manage")).content.decode()
    assert f'id="pending-{order.pk}"' in page and "SW1Y 4JH" in page
    response = client.post(reverse("store:decide", kwargs={"pk": order.pk}), {"decision": "approve", "note": ""})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == RedemptionStatus.COMPLETED and order.decided_by == manager and order.decided_at
    assert balance_of(user) == 0 and _stock(tshirt) == 1
    notification = Notification.objects.get(recipient=user, kind=NotificationKind.STORE)
    assert "approved" in notification.title
    # Deciding twice changes nothing.
    client.post(reverse("store:decide", kwargs={"pk": order.pk}), {"decision": "refuse", "note": "late"})
    order.refresh_from_db()
    assert order.status == RedemptionStatus.COMPLETED and balance_of(user) == 0


def test_a_refusal_refunds_restores_stock_and_mails_the_member(client, user, manager, tshirt):
    give_points(user, 300)
    _order(client, user, tshirt)
    order = Redemption.objects.get()
    client.force_login(manager)
    # A refusal needs a reason the member will read.
    client.post(reverse("store:decide", kwargs={"pk": order.pk}), {"decision": "refuse", "note": " "})
    order.refresh_from_db()
    assert order.status == RedemptionStatus.PENDING
    client.post(
        reverse("store:decide", kwargs={"pk": order.pk}),
        {"decision": "refuse", "note": "We cannot ship to this address."},
    )
    order.refresh_from_db()
    assert order.status == RedemptionStatus.REFUSED and order.decision_note == "We cannot ship to this address."
    assert balance_of(user) == 300 and _stock(tshirt) == 2
    notification = Notification.objects.get(recipient=user, kind=NotificationKind.STORE)
    assert "refused" in notification.title and "300 points returned" in notification.title
    # Mailed even to a member who switched off every optional email: an order's outcome is a receipt.
    from community.notifications.services import preference_unsubscribe

    preference_unsubscribe(user_id=user.pk, scope="all")
    mail.outbox.clear()
    assert notification_email_send(notification_id=notification.pk)
    assert mail.outbox[0].to == [user.email] and "We cannot ship to this address." in mail.outbox[0].subject
    # The member's history says so, and the points ledger explains the refund.
    client.force_login(user)
    orders = client.get(reverse("store:redemptions")).content.decode()
    assert "Refused, points returned" in orders and "We cannot ship to this address." in orders
    # Refusing again refunds nothing more.
    with pytest.raises(services.DecisionRefused):
        services.redemption_refuse(redemption_id=order.pk, manager=manager, note="again")
    assert balance_of(user) == 300


def test_an_approved_order_cancelled_refunds_once(client, user, manager, tshirt):
    give_points(user, 300)
    _order(client, user, tshirt)
    order = Redemption.objects.get()
    services.redemption_approve(redemption_id=order.pk, manager=manager)
    services.redemption_refund(redemption_id=order.pk, manager=manager, note="Sold out at the printer.")
    order.refresh_from_db()
    assert order.status == RedemptionStatus.REFUNDED
    assert balance_of(user) == 300 and _stock(tshirt) == 2
    with pytest.raises(services.DecisionRefused):
        services.redemption_refund(redemption_id=order.pk, manager=manager, note="again")
    assert balance_of(user) == 300


def test_the_redemption_is_recorded_as_an_activity(client, user, tshirt):
    from community.activity.models import ActivityEvent

    give_points(user, 300)
    _order(client, user, tshirt)
    deliver()
    event = ActivityEvent.objects.get(verb="rewards.item.redeemed")
    assert event.actor_id == user.pk
    assert event.properties == {"item": tshirt.pk, "kind": "physical", "points": 300}


@pytest.mark.parametrize("who", ["anon", "member", "moderator"])
def test_only_store_managers_manage(client, user, tshirt, who):
    """Members, moderators and visitors cannot see the orders or decide one."""
    from portal.accounts.roles import Role
    from portal.accounts.services import user_set_role

    give_points(user, 300)
    _order(client, user, tshirt)
    order = Redemption.objects.get()
    client.logout()
    if who == "member":
        client.force_login(UserFactory(email="bob@example.com"))
    elif who == "moderator":
        moderator = UserFactory(email="mod@example.com")
        user_set_role(user=moderator, role=Role.MODERATOR)
        client.force_login(moderator)
    manage = client.get(reverse("store:manage"))
    decide = client.post(reverse("store:decide", kwargs={"pk": order.pk}), {"decision": "refuse", "note": "x"})
    for response in (manage, decide):
        if who == "anon":
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        else:
            assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == RedemptionStatus.PENDING and balance_of(user) == 0


def test_members_see_only_their_own_orders(client, user, other_user, tshirt):
    give_points(user, 300)
    _order(client, user, tshirt, shipping_name="Ada Private")
    other = Client()  # another browser: the first one still holds the order's flash message
    other.force_login(other_user)
    page = other.get(reverse("store:redemptions")).content.decode()
    assert "Atrium T-shirt" not in page and "Ada Private" not in page
