from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.admin_base import ReadOnlyAdmin

from .models import Badge, BadgeAward, Honor, HonorKind, MemberTally, PostTally


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
    """Badges are defined in code; managers switch one off (holders keep it) or on again."""

    list_display = ["slug", "name", "grade", "enabled", "holders"]
    list_editable = ["enabled"]
    list_filter = ["grade", "enabled"]
    search_fields = ["slug"]
    fields = ["slug", "name", "grade", "description", "enabled"]
    readonly_fields = ["slug", "name", "grade", "description"]
    actions = ["award_to_qualifying"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(holder_count=Count("awards__user", distinct=True))

    @admin.display(description=_("holders"), ordering="holder_count")
    def holders(self, obj):
        return obj.holder_count

    def has_add_permission(self, request):
        return False  # defined in code (community/badges/definitions.py)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Award now to every member who qualifies"))
    def award_to_qualifying(self, request, queryset):
        from .tasks import evaluate_all

        evaluate_all.delay()
        self.message_user(request, _("Evaluation started: qualifying members get their badges in a moment."))


@admin.register(BadgeAward)
class BadgeAwardAdmin(ReadOnlyAdmin):
    """Who earned which badge. Read-only; a wrong award can be deleted by an admin."""

    list_display = ["awarded_at", "badge", "user", "cause", "cause_link"]
    list_filter = ["badge"]
    search_fields = ["=badge__slug", "user__email", "=cause"]
    list_select_related = ["badge", "user"]
    raw_id_fields = ["user"]
    date_hierarchy = "awarded_at"
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("where"))
    def cause_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.url, obj.url) if obj.url else "-"


@admin.register(MemberTally)
class MemberTallyAdmin(ReadOnlyAdmin):
    """The counters badges read, kept from activities."""

    list_display = [
        "user",
        "keys_created",
        "first_calls",
        "questions",
        "answers",
        "accepted",
        "upvotes_given",
        "upvotes_received",
        "streamed_days",
        "finetunes_succeeded",
        "events_attended",
        "showcase_entries",
        "showcase_featured",
        "recipe_forks_succeeded",
        "ambassador",
        "hackathon_prizes",
        "updated_at",
    ]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    show_full_result_count = False
    actions = ["evaluate_members"]

    @admin.action(description=_("Award the selected members every badge they have reached"))
    def evaluate_members(self, request, queryset):
        from .tasks import evaluate

        for user_id in queryset.values_list("user_id", flat=True):
            evaluate.delay(user_id=user_id)
        self.message_user(request, _("Evaluation started."), messages.SUCCESS)


@admin.register(PostTally)
class PostTallyAdmin(ReadOnlyAdmin):
    """Q&A posts' scores, as the badges app counted them from votes."""

    list_display = ["post_id", "author", "is_question", "score", "updated_at"]
    list_filter = ["is_question"]
    search_fields = ["=post_id", "author__email"]
    list_select_related = ["author"]
    show_full_result_count = False


@admin.register(HonorKind)
class HonorKindAdmin(admin.ModelAdmin):
    """Managers define the honors they award (awarding itself is on the honors page)."""

    list_display = ["name", "slug", "active", "honors_awarded", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "slug", "description"]
    fields = ["name", "slug", "description", "active"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(honor_count=Count("honors"))

    @admin.display(description=_("awarded"), ordering="honor_count")
    def honors_awarded(self, obj):
        return obj.honor_count

    def has_add_permission(self, request):
        # Community managers hold the change permissions of the community's apps: defining a
        # kind of honor is part of changing them.
        return super().has_add_permission(request) or request.user.has_perm("badges.change_honorkind")


@admin.register(Honor)
class HonorAdmin(admin.ModelAdmin):
    """Honors are awarded on the honors page (which tells the member); here managers read and
    correct a citation."""

    list_display = ["awarded_at", "kind", "user", "awarded_by"]
    list_filter = ["kind"]
    search_fields = ["user__email", "citation", "kind__name"]
    list_select_related = ["kind", "user", "awarded_by"]
    raw_id_fields = ["user", "awarded_by"]
    readonly_fields = ["user", "kind", "awarded_by", "awarded_at", "key"]
    date_hierarchy = "awarded_at"

    def has_add_permission(self, request):
        return False
