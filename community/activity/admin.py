from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin_base import ReadOnlyAdmin

from . import handlers
from .models import ActivityEvent, HandlerRun
from .verbs import VERBS


class VerbFilter(admin.SimpleListFilter):
    """Choices from the verb registry: no DISTINCT over a table that grows with every action."""

    title = _("verb")
    parameter_name = "verb"

    def lookups(self, request, model_admin):
        return [(verb, verb) for verb in VERBS]

    def queryset(self, request, queryset):
        return queryset.filter(verb=self.value()) if self.value() else queryset


class HandlerFilter(admin.SimpleListFilter):
    title = _("handler")
    parameter_name = "handler"

    def lookups(self, request, model_admin):
        return [(name, name) for name in handlers.handler_names()]

    def queryset(self, request, queryset):
        return queryset.filter(handler=self.value()) if self.value() else queryset


@admin.register(ActivityEvent)
class ActivityEventAdmin(ReadOnlyAdmin):
    """The activity stream: written only by its consumer, so the admin only reads it."""

    list_display = ["occurred_at", "verb", "actor", "target_type", "target_id", "recorded_at"]
    list_filter = [VerbFilter]
    search_fields = ["=verb", "=target_id", "=dedupe_key", "actor__email"]
    list_select_related = ["actor"]
    raw_id_fields = ["actor"]
    show_full_result_count = False


@admin.register(HandlerRun)
class HandlerRunAdmin(ReadOnlyAdmin):
    """Which handler reacted to which activity; failed runs say why (``last_error``)."""

    list_display = ["created_at", "handler", "activity_verb", "status", "attempts", "next_attempt_at", "finished_at"]
    list_filter = ["status", HandlerFilter]
    search_fields = ["=handler", "=activity__verb", "last_error"]
    list_select_related = ["activity"]
    raw_id_fields = ["activity"]
    show_full_result_count = False

    @admin.display(description=_("verb"), ordering="activity__verb")
    def activity_verb(self, obj):
        return obj.activity.verb
