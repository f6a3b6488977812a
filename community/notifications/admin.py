from django.contrib import admin

from .models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "actor", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter), ("emailed_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "url", "recipient__email", "actor__email"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient", "actor"]
    raw_id_fields = ["recipient", "actor"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "digest",
        "email_reply",
        "email_mention",
        "email_accepted",
        "email_watched",
        "email_badge",
        "email_honor",
        "last_digest_at",
    ]
    list_filter = [
        "digest",
        "email_reply",
        "email_mention",
        "email_accepted",
        "email_watched",
        "email_badge",
        "email_honor",
    ]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
