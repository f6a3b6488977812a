"""The program's rows in the admin. Reviewing, accepting and revoking happen on the
managers' pages (/ambassadors/review/, /ambassadors/manage/), which grant and take back
what goes with them; here the rows are read, and notes or links corrected."""

from django.contrib import admin

from .models import Ambassador, Application, Referral, ReferralVisit


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["user", "region", "status", "created_at", "reviewed_by", "reviewed_at"]
    list_filter = ["status", "region"]
    search_fields = ["user__email", "languages"]
    list_select_related = ["user", "reviewed_by"]
    raw_id_fields = ["user", "reviewed_by"]
    readonly_fields = ["status", "reviewed_by", "reviewed_at", "created_at"]

    def has_add_permission(self, request):
        return False  # members apply on /ambassadors/apply/


@admin.register(Ambassador)
class AmbassadorAdmin(admin.ModelAdmin):
    list_display = ["user", "region", "languages", "active", "since", "revoked_at"]
    list_filter = ["active", "region"]
    search_fields = ["user__email", "languages", "referral_code"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "application"]
    readonly_fields = ["application", "referral_code", "active", "granted_leader", "since", "revoked_at"]

    def has_add_permission(self, request):
        return False  # accepting an application makes an ambassador, with its grants


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["user", "ambassador", "signed_up_at"]
    search_fields = ["user__email", "ambassador__user__email"]
    list_select_related = ["user", "ambassador__user"]
    raw_id_fields = ["user", "ambassador"]


@admin.register(ReferralVisit)
class ReferralVisitAdmin(admin.ModelAdmin):
    list_display = ["ambassador", "visited_at"]
    list_select_related = ["ambassador__user"]
    raw_id_fields = ["ambassador"]
    search_fields = ["ambassador__user__email"]
