from django.contrib import admin

from portal.admin_base import ReadOnlyAdmin

from .models import UsageRecord, UsageRecordBody


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    """Metered /v1 calls: an audit trail, so the admin only reads it."""

    list_display = [
        "created_at",
        "user",
        "key_prefix",
        "endpoint",
        "model_id",
        "status_code",
        "error_code",
        "prompt_tokens",
        "completion_tokens",
        "latency_ms",
        "cost",
    ]
    list_filter = ["endpoint", "status_code", "stream"]
    search_fields = ["request_id", "model_id", "error_code", "user__email", "api_key__prefix"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "api_key"]
    raw_id_fields = ["user", "api_key"]

    @admin.display(description="API key", ordering="api_key__prefix")
    def key_prefix(self, obj):
        # Only the visible prefix: the admin never shows a key's secret or its hash.
        return obj.api_key.prefix if obj.api_key else ""


@admin.register(UsageRecordBody)
class UsageRecordBodyAdmin(ReadOnlyAdmin):
    """Which calls have bodies kept, and until when. The bodies are the member's own, kept
    for their request log at their key's request: the admin never shows them."""

    list_display = ["record", "expires_at"]
    fields = ["record", "expires_at"]
    search_fields = ["record__request_id"]
    list_select_related = ["record"]
    raw_id_fields = ["record"]
