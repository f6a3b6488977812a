from django.contrib import admin

from .models import CreditEntry


@admin.register(CreditEntry)
class CreditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "amount", "balance_after", "reason"]
    list_filter = ["kind"]
    search_fields = ["user__email", "reference"]
    readonly_fields = [f.name for f in CreditEntry._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False  # append-only

    def has_delete_permission(self, request, obj=None):
        return False
