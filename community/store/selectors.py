"""Reads of the store: what is on sale, and redemptions scoped to who may see them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from community.rewards.selectors import standing_of

from .models import ItemKind, Redemption, RedemptionStatus, StoreItem

# Re-exported for the views, templates and other apps (never the models module itself).
__all__ = ["ItemKind", "RedemptionStatus"]


def store_items_on_sale() -> QuerySet[StoreItem]:
    return StoreItem.objects.on_sale()


def store_item_on_sale(*, slug: str) -> StoreItem:
    """The item with this slug, on sale; 404 otherwise."""
    return get_object_or_404(StoreItem.objects.on_sale(), slug=slug)


@dataclass(frozen=True)
class Offer:
    """An item as one member sees it: whether they can redeem it now, and if not, why."""

    item: StoreItem
    can_redeem: bool
    reason: str = ""
    points_short: int = 0


def offer_for(*, item: StoreItem, balance: int | None) -> Offer:
    """``balance`` None: a visitor who is not signed in."""
    if not item.in_stock:
        return Offer(item, False, _("Out of stock"))
    if balance is None:
        return Offer(item, False, _("Log in to redeem"))
    if balance < item.points_price:
        short = item.points_price - balance
        return Offer(item, False, _("You need %(points)s more points") % {"points": short}, points_short=short)
    return Offer(item, True)


def store_offers(*, user) -> tuple[list[Offer], int | None]:
    """Every item on sale as ``user`` sees it, and their spendable balance (two queries)."""
    balance = standing_of(user_id=user.pk).balance if user.is_authenticated else None
    return [offer_for(item=item, balance=balance) for item in store_items_on_sale()], balance


def redemptions_for_member(*, user) -> QuerySet[Redemption]:
    """The member's own orders, newest first."""
    return Redemption.objects.for_member(user).select_related("item")


def redemptions_pending() -> QuerySet[Redemption]:
    """Physical orders waiting for a manager, oldest first."""
    return Redemption.objects.pending().select_related("member", "member__profile", "item").order_by("created_at")


def redemptions_all() -> QuerySet[Redemption]:
    """Every order, newest first (managers)."""
    return Redemption.objects.select_related("member", "member__profile", "item", "decided_by")


def redemption_counts_by_status() -> dict[str, int]:
    from django.db.models import Count

    rows = Redemption.objects.values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}
