from django import template

from .. import selectors

register = template.Library()

HUB_ITEMS = 4


@register.inclusion_tag("store/_hub_summary.html", takes_context=True)
def store_hub_summary(context):
    """The /rewards/ hub's store section: the cheapest items as the member sees them, and
    their latest order (three queries)."""
    standing = context.get("standing")
    request = context.get("request")
    balance = standing.balance if standing is not None else None
    items = selectors.store_items_on_sale().order_by("points_price", "position", "name")[:HUB_ITEMS]
    user = getattr(request, "user", None)
    last = selectors.redemptions_for_member(user=user).first() if user and user.is_authenticated else None
    return {"offers": [selectors.offer_for(item=item, balance=balance) for item in items], "last_order": last}
