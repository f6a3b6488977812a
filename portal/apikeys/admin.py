from django.contrib import admin
from django.db import transaction

from . import cache
from .models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "masked", "user", "scopes", "created_at", "last_used_at", "expires_at", "revoked_at"]
    search_fields = ["name", "prefix", "user__email"]
    readonly_fields = ["prefix", "last_four", "created_at", "last_used_at", "replaced_by"]
    # Not even the hash is shown; keys are created by their owners, never in the admin.
    exclude = ["secret_hash"]
    list_filter = ["revoked_at", "created_at"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # New limits, expiry or revocation reach the gateway now, not when its cache entry expires.
        transaction.on_commit(lambda: cache.publish(obj))
