from django.contrib import admin

from portal.admin_base import ReadOnlyAdmin

from .models import CreditEntry


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    """The append-only credit ledger."""

    list_display = ["created_at", "user", "kind", "amount", "balance_after", "reason"]
    list_filter = ["kind"]
    search_fields = ["user__email", "reference"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
