from django.contrib import admin

from portal.admin_base import ReadOnlyAdmin

from .models import (
    FineTuningCheckpoint,
    FineTuningJob,
    FineTuningJobEvent,
    TrainingFile,
    WebhookDelivery,
    WebhookEndpoint,
)


@admin.register(TrainingFile)
class TrainingFileAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "filename",
        "owner",
        "purpose",
        "format",
        "example_count",
        "token_count",
        "bytes",
        "created_at",
    ]
    list_filter = ["purpose", "format"]
    search_fields = ["id", "filename", "owner__email"]
    date_hierarchy = "created_at"
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    # The upload is validated by finetuning.services.file_create; the admin only reads it.
    exclude = ["content"]
    readonly_fields = [f.name for f in TrainingFile._meta.fields if f.name != "content"]

    def has_add_permission(self, request, obj=None):
        return False


class FineTuningJobEventInline(admin.TabularInline):
    model = FineTuningJobEvent
    fields = ["created_at", "level", "type", "message"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-created_at"]
    show_change_link = True


@admin.register(FineTuningJob)
class FineTuningJobAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "owner",
        "base_model",
        "status",
        "fine_tuned_model",
        "estimated_tokens",
        "estimated_cost",
        "device_seconds",
        "charged_credits",
        "settled",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "settled", "base_model"]
    search_fields = ["id", "fine_tuned_model", "suffix", "worker", "owner__email", "base_model__model_id"]
    date_hierarchy = "created_at"
    list_select_related = ["owner", "base_model"]
    raw_id_fields = ["owner", "base_model", "training_file", "validation_file", "result_model"]
    inlines = [FineTuningJobEventInline]


@admin.register(FineTuningJobEvent)
class FineTuningJobEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "job", "level", "type", "message"]
    list_filter = ["level", "type"]
    search_fields = ["job__id", "message"]
    date_hierarchy = "created_at"
    raw_id_fields = ["job"]


@admin.register(FineTuningCheckpoint)
class FineTuningCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["job", "step", "path", "created_at"]
    search_fields = ["job__id", "path"]
    date_hierarchy = "created_at"
    raw_id_fields = ["job"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "owner", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "owner__email"]
    date_hierarchy = "created_at"
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    # The signing secret is never shown; staff may only pause an endpoint or fix its URL.
    exclude = ["secret"]
    readonly_fields = ["owner", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event_type", "endpoint", "status", "attempts", "response_status", "delivered_at"]
    list_filter = ["status", "event_type"]
    search_fields = ["event_id", "event_type", "endpoint__url", "endpoint__owner__email"]
    date_hierarchy = "created_at"
    list_select_related = ["endpoint"]
    raw_id_fields = ["endpoint"]
