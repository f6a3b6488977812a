from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from portal.admin_base import ReadOnlyAdmin

from . import services
from .images import cover_check
from .models import AgendaItem, Event, Feedback, Registration, ReminderSent


class EventAdminForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "title",
            "slug",
            "kind",
            "organiser",
            "description",
            "hosts",
            "cover",
            "timezone",
            "starts_at",
            "ends_at",
            "online_url",
            "venue",
            "capacity",
            "slides_url",
            "recording_url",
        ]

    def clean_cover(self):
        cover = self.cleaned_data.get("cover")
        if cover and hasattr(cover, "content_type"):  # a new upload, not the stored file
            return cover_check(cover)
        return cover


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 1
    fields = ["position", "starts_at", "title", "speakers"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Managers create and edit events here (or on /events/new/). Publishing and cancelling
    go through the actions, which record the activity and tell the members."""

    form = EventAdminForm
    inlines = [AgendaItemInline]
    list_display = ["title", "kind", "status", "starts_at", "timezone", "organiser", "capacity"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "slug", "organiser__email"]
    prepopulated_fields = {"slug": ["title"]}
    raw_id_fields = ["organiser"]
    readonly_fields = ["status", "checkin_code", "published_at", "created_at", "updated_at"]
    list_select_related = ["organiser"]
    date_hierarchy = "starts_at"
    actions = ["publish", "cancel"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "kind", "status", "organiser", "description", "hosts", "cover"]}),
        (_("When"), {"fields": ["timezone", "starts_at", "ends_at"]}),
        (_("Where"), {"fields": ["online_url", "venue", "capacity"]}),
        (_("Afterwards"), {"fields": ["slides_url", "recording_url"]}),
        (_("Record"), {"fields": ["checkin_code", "published_at", "created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        if not obj.checkin_code:
            obj.checkin_code = services._checkin_code()
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish the selected events"), permissions=["change"])
    def publish(self, request, queryset):
        for event in queryset:
            try:
                services.event_publish(actor=request.user, event=event)
            except PermissionDenied:
                self.message_user(request, _("You may not publish events."), messages.ERROR)
                return
        self.message_user(request, _("Published."), messages.SUCCESS)

    @admin.action(description=_("Cancel the selected events"), permissions=["change"])
    def cancel(self, request, queryset):
        for event in queryset:
            services.event_cancel(actor=request.user, event=event)
        self.message_user(request, _("Cancelled."), messages.SUCCESS)


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    """Places are taken and given up by members (and attendance marked by organisers) on the
    event's pages: the admin only reads them."""

    list_display = ["event", "user", "status", "registered_at", "waitlisted_at", "attended_at", "attended_method"]
    list_filter = ["status", "attended_method"]
    search_fields = ["event__title", "user__email"]
    list_select_related = ["event", "user"]
    raw_id_fields = ["event", "user"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["event", "user", "rating", "created_at"]
    list_filter = ["rating"]
    search_fields = ["event__title", "user__email", "comment"]
    list_select_related = ["event", "user"]
    raw_id_fields = ["event", "user"]


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    """Agenda items are edited with their event; listed here to search speakers across events."""

    list_display = ["title", "event", "starts_at", "speakers"]
    search_fields = ["title", "speakers", "event__title"]
    list_select_related = ["event"]
    raw_id_fields = ["event"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    """The reminders mailed (one row per attendee and kind: what keeps them to once)."""

    list_display = ["registration", "kind", "sent_at"]
    list_filter = ["kind"]
    raw_id_fields = ["registration"]
