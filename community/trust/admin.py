from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from portal.admin_base import ReadOnlyAdmin

from . import services
from .levels import Level
from .models import LevelChange, MemberDay, MemberTrust, TrustSetting


@admin.register(MemberTrust)
class MemberTrustAdmin(admin.ModelAdmin):
    """Levels change through the services: the automatic rules, or these actions (the only
    way to grant or revoke *leader*), each recorded in the level history."""

    list_display = ["user", "level", "locked", "level_changed_at", "days_visited", "posts_read", "likes_received"]
    list_filter = ["level", "locked"]
    search_fields = ["user__email", "user__profile__handle"]
    list_select_related = ["user"]
    readonly_fields = [field.name for field in MemberTrust._meta.fields]
    actions = ["grant_leader", "lock_level", "release_level"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _each(self, request, queryset, run, done: str):
        try:
            for trust in queryset.select_related("user"):
                run(trust)
        except (PermissionDenied, ValidationError) as exc:
            self.message_user(request, " ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
        else:
            self.message_user(request, done)

    @admin.action(description="Grant the leader level", permissions=["change"])
    def grant_leader(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda t: services.member_level_set(manager=request.user, user=t.user, level=Level.LEADER, locked=False),
            "Granted the leader level.",
        )

    @admin.action(description="Lock at the current level", permissions=["change"])
    def lock_level(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda t: services.member_level_set(manager=request.user, user=t.user, level=t.level, locked=True),
            "Locked.",
        )

    @admin.action(description="Hand back to the automatic rules (revokes leader, unlocks)", permissions=["change"])
    def release_level(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda t: services.member_level_release(manager=request.user, user=t.user),
            "Handed back to the automatic rules.",
        )


@admin.register(TrustSetting)
class TrustSettingAdmin(admin.ModelAdmin):
    """The settings of config.py (a row per setting, created after migrate); blank: the default."""

    list_display = ["key", "setting_description", "value", "setting_default", "updated_by", "updated_at"]
    list_select_related = ["updated_by"]
    search_fields = ["key"]
    fields = ["key", "setting_description", "setting_default", "value"]
    readonly_fields = ["key", "setting_description", "setting_default"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="what it sets")
    def setting_description(self, obj):
        return obj.description

    @admin.display(description="default")
    def setting_default(self, obj):
        return obj.default

    def save_model(self, request, obj, form, change):
        services.trust_setting_set(manager=request.user, key=obj.key, value=obj.value)


@admin.register(MemberDay)
class MemberDayAdmin(ReadOnlyAdmin):
    list_display = ["user", "day", "visited", "topics_entered", "posts_read", "seconds_reading", "likes_received"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    date_hierarchy = "day"


@admin.register(LevelChange)
class LevelChangeAdmin(ReadOnlyAdmin):
    list_display = ["user", "old_level", "new_level", "reason", "changed_by", "created_at"]
    list_filter = ["reason", "new_level"]
    list_select_related = ["user", "changed_by"]
    search_fields = ["user__email", "note"]
