from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin_base import ReadOnlyAdmin

from .models import Redemption, StoreItem


@admin.register(StoreItem)
class StoreItemAdmin(admin.ModelAdmin):
    """What the store offers. Managers add, price and retire items here; an item that was
    ever redeemed is taken off sale (unticked) rather than deleted."""

    list_display = ["name", "kind", "points_price", "active", "stock", "position"]
    list_editable = ["active", "position"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["kind", "name", "slug", "description", "points_price", "active", "position", "stock"]}),
        (_("Compute credits"), {"fields": ["credit_amount"]}),
        (_("Rate-limit boost"), {"fields": ["boost_multiplier", "boost_duration"]}),
        (_("Physical item"), {"fields": ["needs_shipping"]}),
    ]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    """Orders are placed by members and decided on the store's manage page (which refunds
    and notifies): the admin only reads them."""

    list_display = ["created_at", "member", "item_name", "kind", "points", "status", "decided_by", "decided_at"]
    list_filter = ["status", "kind"]
    search_fields = ["member__email", "item_name", "idempotency_key"]
    list_select_related = ["member", "decided_by"]
    raw_id_fields = ["member", "item", "decided_by"]
    date_hierarchy = "created_at"
