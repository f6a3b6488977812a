"""Managers tune rules here (every change kept: who, when, old and new values) and read
the ledger, which no one edits."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal.admin_base import ReadOnlyAdmin

from .models import (
    AccountSignal,
    LeaderboardBuild,
    LeaderboardRow,
    LeaderboardTotal,
    MemberStanding,
    PointsDay,
    PointsEntry,
    Rule,
)


@admin.register(Rule)
class RuleAdmin(SimpleHistoryAdmin):
    list_display = ["key", "name", "points", "daily_cap", "vote_capped", "enabled"]
    list_filter = ["enabled", "vote_capped"]
    search_fields = ["key", "name"]
    readonly_fields = ["key"]
    history_list_display = ["points", "daily_cap", "vote_capped", "enabled"]

    def has_add_permission(self, request):
        # Rules come from code (seeded, or created at first use); managers tune them.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rule.history.model)
class RuleChangeAdmin(ReadOnlyAdmin):
    """Every change to every rule in one list: who, when, and the values it left."""

    list_display = ["history_date", "key", "points", "daily_cap", "vote_capped", "enabled", "history_user"]
    list_filter = ["key", "history_type"]
    search_fields = ["key", "name", "history_user__email"]
    date_hierarchy = "history_date"
    list_select_related = ["history_user"]


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "amount", "kind", "rule_key", "cause", "counterpart", "reason"]
    list_filter = ["kind", "rule_key"]
    search_fields = ["user__email", "cause", "rule_key"]
    date_hierarchy = "created_at"
    list_select_related = ["user", "counterpart"]
    raw_id_fields = ["user", "counterpart", "reverses"]
    show_full_result_count = False


@admin.register(MemberStanding)
class MemberStandingAdmin(ReadOnlyAdmin):
    list_display = ["user", "reputation", "balance", "leaderboard_opt_out", "updated_at"]
    list_filter = ["leaderboard_opt_out"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    ordering = ["-reputation"]


@admin.register(PointsDay)
class PointsDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "user", "category_id", "points"]
    list_filter = ["day"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    ordering = ["-day", "-points"]


@admin.register(AccountSignal)
class AccountSignalAdmin(ReadOnlyAdmin):
    list_display = ["user", "signed_up", "ip_hash_short", "device_hash_short", "first_seen", "last_seen"]
    list_filter = ["signed_up"]
    search_fields = ["user__email", "ip_hash", "device_hash"]
    list_select_related = ["user"]

    @admin.display(description=_("IP address (keyed hash)"))
    def ip_hash_short(self, obj):
        return obj.ip_hash[:12]

    @admin.display(description=_("device (keyed hash)"))
    def device_hash_short(self, obj):
        return obj.device_hash[:12]


# Leaderboards are rollups the refresh rebuilds (leaderboards.py): staff read them here.


@admin.register(LeaderboardRow)
class LeaderboardRowAdmin(ReadOnlyAdmin):
    list_display = ["board", "period_start", "category_id", "rank", "user", "points"]
    list_filter = ["board", "category_id"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    ordering = ["board", "category_id", "rank"]


@admin.register(LeaderboardTotal)
class LeaderboardTotalAdmin(ReadOnlyAdmin):
    list_display = ["user", "category_id", "points"]
    list_filter = ["category_id"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    ordering = ["-points"]


@admin.register(LeaderboardBuild)
class LeaderboardBuildAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "folded_through", "refreshed_at", "rebuilt_at"]
