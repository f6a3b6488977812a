from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from portal.admin_base import ReadOnlyAdmin

from . import services
from .models import Entry, Screenshot, Tag, Vote


class ScreenshotInline(admin.TabularInline):
    model = Screenshot
    fields = ["image", "content_type", "width", "height", "size", "position"]
    readonly_fields = ["image", "content_type", "width", "height", "size"]
    extra = 0
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False  # uploads are checked by the entry's form, never added here


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    """Entries are published by members; managers feature, hide or show them (the actions
    go through the services, which record the activities and points) and may correct text."""

    list_display = ["title", "author", "published_at", "vote_count", "featured_at", "is_hidden", "verified_usage"]
    list_filter = ["is_hidden", "verified_usage", ("featured_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "tagline", "slug", "author__email"]
    list_select_related = ["author"]
    raw_id_fields = ["author", "hidden_by", "featured_by"]
    readonly_fields = [
        "author",
        "slug",
        "model_ids",
        "thread_id",
        "vote_count",
        "is_hidden",
        "hidden_by",
        "featured_at",
        "featured_by",
        "created_at",
        "published_at",
        "updated_at",
        "description_html",
    ]
    fields = ["title", "tagline", "description", "url", "repository_url", "tags", "hackathon", *readonly_fields]
    filter_horizontal = ["tags"]
    inlines = [ScreenshotInline]
    actions = ["feature", "unfeature", "hide", "unhide"]
    date_hierarchy = "published_at"

    def has_add_permission(self, request):
        return False  # entries are published by their authors, with their forum thread

    def _each(self, request, queryset, action):
        done = 0
        for entry in queryset:
            try:
                action(entry)
                done += 1
            except (PermissionDenied, ValidationError) as exc:
                messages.error(request, f"{entry}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        if done:
            messages.success(request, _("%(n)s entries updated.") % {"n": done})

    @admin.action(description=_("Feature the selected entries"), permissions=["change"])
    def feature(self, request, queryset):
        self._each(request, queryset, lambda e: services.entry_feature(actor=request.user, entry=e, featured=True))

    @admin.action(description=_("Stop featuring the selected entries"), permissions=["change"])
    def unfeature(self, request, queryset):
        self._each(request, queryset, lambda e: services.entry_feature(actor=request.user, entry=e, featured=False))

    @admin.action(description=_("Hide the selected entries"), permissions=["change"])
    def hide(self, request, queryset):
        self._each(request, queryset, lambda e: services.entry_hide(actor=request.user, entry=e, hidden=True))

    @admin.action(description=_("Show the selected entries again"), permissions=["change"])
    def unhide(self, request, queryset):
        self._each(request, queryset, lambda e: services.entry_hide(actor=request.user, entry=e, hidden=False))


@admin.register(Screenshot)
class ScreenshotAdmin(ReadOnlyAdmin):
    list_display = ["token", "entry", "content_type", "width", "height", "size", "created_at"]
    search_fields = ["token", "entry__title"]
    list_select_related = ["entry"]

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("showcase.delete_screenshot")


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    """Votes are given on the entry's page (the points follow them): read-only here."""

    list_display = ["entry", "user", "created_at"]
    search_fields = ["entry__title", "user__email"]
    list_select_related = ["entry", "user"]
    raw_id_fields = ["entry", "user"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
