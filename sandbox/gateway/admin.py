from django.contrib import admin

from portal.admin_base import ReadOnlyAdmin

from .models import RateLimitBoost


@admin.register(RateLimitBoost)
class RateLimitBoostAdmin(ReadOnlyAdmin):
    """Boosts are granted by the rewards store (one per redemption): staff read them here."""

    list_display = ["user", "multiplier", "starts", "ends", "reference", "created_at"]
    search_fields = ["user__email", "reference"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    date_hierarchy = "starts"
