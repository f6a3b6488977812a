"""Redeeming points in the store, and managers' decisions on physical orders.

A redemption is one transaction: the member's account row is locked, then the points are
spent (``community.rewards.services.points_spend``, idempotent by the cause
``redemption:<form id>``), the stock taken with a conditional update, the order written,
and what it buys granted (billing's ledger, the gateway's boosts). Anything that fails
rolls all of it back, so the balance is either spent and the goods delivered, or
untouched. The same form submitted twice (a double click, a retry, a second tab) finds
its order under the lock and returns it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.activity.services import activity_record
from community.notifications.services import NotificationKind, notification_create
from community.rewards.services import InsufficientPoints, points_refund, points_spend
from portal.billing.selectors import CreditKind
from portal.billing.services import credits_grant
from portal.shipped import shipped_register, shipped_template_register, shipped_translate
from sandbox.gateway.boosts import rate_limit_boost_grant

from .models import ItemKind, Redemption, RedemptionStatus, StoreItem

# Stored in English on other apps' ledgers, shown in the reader's language.
REASON_CREDITS = gettext_noop("Rewards store: {item}")
REASON_REFUSED = gettext_noop("Store order refused: your points were returned.")
REASON_REFUNDED = gettext_noop("Store order cancelled: your points were returned.")
shipped_template_register(REASON_CREDITS)
shipped_register(REASON_REFUSED, REASON_REFUNDED)

SHIPPING_FIELDS = (
    "shipping_name",
    "shipping_address",
    "shipping_address2",
    "shipping_city",
    "shipping_postal_code",
    "shipping_country",
    "shipping_phone",
)


class RedemptionRefused(ValidationError):
    """The order cannot be placed (out of stock, off sale, a form used for another item)."""


@dataclass(frozen=True)
class Outcome:
    redemption: Redemption
    created: bool  # False: this form had already placed the order (a double click, a retry)


def _lock_member(user_id: int) -> None:
    # One member's orders one at a time: the same row billing's ledger locks for its writes.
    get_user_model().objects.select_for_update().filter(pk=user_id).first()


def redemption_create(*, member, item: StoreItem, idempotency_key: uuid.UUID, shipping: dict | None = None) -> Outcome:
    """Spend ``member``'s points on ``item``; idempotent by ``idempotency_key`` (the form's id).

    Raises ``InsufficientPoints`` when the balance is short and ``RedemptionRefused`` when
    the item cannot be had, writing nothing either way.
    """
    if not isinstance(idempotency_key, uuid.UUID):
        idempotency_key = uuid.UUID(str(idempotency_key))
    with transaction.atomic():
        _lock_member(member.pk)
        existing = Redemption.objects.filter(member=member, idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.item_id != item.pk:
                raise RedemptionRefused(
                    _("This form was already used for another order. Open the item again to redeem it."),
                    code="form_used",
                )
            return Outcome(existing, created=False)
        item = StoreItem.objects.get(pk=item.pk)  # the price and terms as they are now
        if not item.active:
            raise RedemptionRefused(_("This item is no longer on sale."), code="off_sale")
        redemption = Redemption(
            member=member,
            item=item,
            kind=item.kind,
            item_name=item.name,
            points=item.points_price,
            status=RedemptionStatus.PENDING if item.kind == ItemKind.PHYSICAL else RedemptionStatus.COMPLETED,
            idempotency_key=idempotency_key,
        )
        if item.ships:
            for field in SHIPPING_FIELDS:
                setattr(redemption, field, ((shipping or {}).get(field) or "").strip())
            if not (redemption.shipping_name and redemption.shipping_address and redemption.shipping_country):
                raise ValidationError(_("This item needs a shipping address."), code="shipping_missing")
        # Spend first: a short balance fails before the item's row is locked for the stock.
        points_spend(user_id=member.pk, amount=item.points_price, cause=redemption.cause, note=item.name)
        if item.stock is not None:
            taken = StoreItem.objects.filter(pk=item.pk, stock__gt=0).update(stock=F("stock") - 1)
            if not taken:
                raise RedemptionRefused(_("This item is out of stock."), code="out_of_stock")
        if redemption.status == RedemptionStatus.COMPLETED:
            redemption.decided_at = timezone.now()
        redemption.full_clean(exclude=["member", "item", "decided_by"], validate_constraints=False)
        try:
            with transaction.atomic():
                redemption.save()
        except IntegrityError as exc:  # cannot happen under the lock; never spend twice if it does
            raise RedemptionRefused(_("This form was already used."), code="form_used") from exc
        _deliver(redemption, item)
        activity_record(
            actor=member,
            verb="rewards.item.redeemed",
            target=redemption,
            properties={"item": item.pk, "kind": item.kind, "points": item.points_price},
        )
    return Outcome(redemption, created=True)


def _deliver(redemption: Redemption, item: StoreItem) -> None:
    """Grant what the item buys, inside the redemption's transaction."""
    reference = f"store:{redemption.idempotency_key}"
    if item.kind == ItemKind.CREDITS:
        credits_grant(
            user=redemption.member,
            amount=item.credit_amount,
            reason=REASON_CREDITS.format(item=item.name),
            reference=reference,
            kind=CreditKind.REWARD,
        )
        redemption.credit_amount = item.credit_amount
        redemption.save(update_fields=["credit_amount"])
    elif item.kind == ItemKind.RATE_LIMIT_BOOST:
        boost = rate_limit_boost_grant(
            user_id=redemption.member_id,
            multiplier=item.boost_multiplier,
            duration=item.boost_duration,
            reference=reference,
        )
        redemption.boost_multiplier = boost.multiplier
        redemption.boost_starts, redemption.boost_ends = boost.starts, boost.ends
        redemption.save(update_fields=["boost_multiplier", "boost_starts", "boost_ends"])


class DecisionRefused(ValidationError):
    """The order is not in a state that allows this decision (decided already)."""


def _decide(*, redemption_id: int, manager, allowed_from: str, status: str, note: str) -> Redemption:
    with transaction.atomic():
        redemption = (
            Redemption.objects.select_for_update(of=("self",))
            .select_related("member", "item")
            .filter(pk=redemption_id)
            .first()
        )
        if redemption is None:
            raise Redemption.DoesNotExist
        if redemption.status != allowed_from or redemption.kind != ItemKind.PHYSICAL:
            raise DecisionRefused(_("This order was already decided."), code="decided")
        redemption.status = status
        redemption.decided_by = manager
        redemption.decided_at = timezone.now()
        redemption.decision_note = note.strip()[:500]
        redemption.full_clean(exclude=["member", "item", "decided_by"], validate_constraints=False)
        redemption.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if status in (RedemptionStatus.REFUSED, RedemptionStatus.REFUNDED):
            reason = REASON_REFUSED if status == RedemptionStatus.REFUSED else REASON_REFUNDED
            points_refund(user_id=redemption.member_id, cause=redemption.cause, reason=reason)
            StoreItem.objects.filter(pk=redemption.item_id, stock__isnull=False).update(stock=F("stock") + 1)
        _announce(redemption)
    return redemption


def redemption_approve(*, redemption_id: int, manager, note: str = "") -> Redemption:
    """A manager approves a pending physical order (it will be shipped); the member is told."""
    return _decide(
        redemption_id=redemption_id,
        manager=manager,
        allowed_from=RedemptionStatus.PENDING,
        status=RedemptionStatus.COMPLETED,
        note=note,
    )


def redemption_refuse(*, redemption_id: int, manager, note: str) -> Redemption:
    """A manager refuses a pending physical order: the points go back, the item back to
    stock, and the member is told why (notification and email)."""
    if not note.strip():
        raise ValidationError(_("Say why the order is refused: the member reads it."), code="note_missing")
    return _decide(
        redemption_id=redemption_id,
        manager=manager,
        allowed_from=RedemptionStatus.PENDING,
        status=RedemptionStatus.REFUSED,
        note=note,
    )


def redemption_refund(*, redemption_id: int, manager, note: str) -> Redemption:
    """A manager cancels an approved physical order that cannot be shipped after all:
    points back, item back to stock, the member told why."""
    if not note.strip():
        raise ValidationError(_("Say why the order is cancelled: the member reads it."), code="note_missing")
    return _decide(
        redemption_id=redemption_id,
        manager=manager,
        allowed_from=RedemptionStatus.COMPLETED,
        status=RedemptionStatus.REFUNDED,
        note=note,
    )


def _announce(redemption: Redemption) -> None:
    """Tell the member of a manager's decision, in their language (the bell, and an email)."""
    member = redemption.member
    with translation.override(getattr(member, "language", "") or settings.LANGUAGE_CODE):
        item = shipped_translate(redemption.item_name)
        if redemption.status == RedemptionStatus.COMPLETED:
            title = _("Your order of “%(item)s” was approved and will be shipped.") % {"item": item}
        elif redemption.status == RedemptionStatus.REFUSED:
            title = _("Your order of “%(item)s” was refused and your %(points)s points returned: %(note)s") % {
                "item": item,
                "points": redemption.points,
                "note": redemption.decision_note,
            }
        else:
            title = _("Your order of “%(item)s” was cancelled and your %(points)s points returned: %(note)s") % {
                "item": item,
                "points": redemption.points,
                "note": redemption.decision_note,
            }
    notification_create(
        recipient=member,
        kind=NotificationKind.STORE,
        title=title,
        url=reverse("store:redemptions") + f"#redemption-{redemption.pk}",
    )


__all__ = [
    "DecisionRefused",
    "InsufficientPoints",
    "Outcome",
    "RedemptionRefused",
    "redemption_approve",
    "redemption_create",
    "redemption_refund",
    "redemption_refuse",
]
