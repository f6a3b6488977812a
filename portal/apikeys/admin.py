from django.contrib import admin
from django.db import transaction

from . import cache
from .models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "masked", "user", "scopes", "created_at", "last_used_at", "expires_at", "revoked_at"]
    search_fields = ["name", "prefix", "user__email"]
    readonly_fields = ["prefix", "last_four", "secret_hash", "created_at", "last_used_at", "replaced_by"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # New limits, expiry or revocation reach the gateway now, not when its cache entry expires.
        transaction.on_commit(lambda: cache.publish(obj))
