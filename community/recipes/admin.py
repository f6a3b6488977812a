from django.contrib import admin

from .models import Recipe, RecipeFork


@admin.register(Recipe)
class RecipeAdmin(admin.ModelAdmin):
    """Published recipes. Managers may correct a title or notes, or remove a recipe; the
    snapshot (model, hyperparameters, curve, statistics) and the counts are read-only."""

    list_display = ["title", "author", "base_model", "fork_count", "forks_succeeded", "published_at"]
    list_filter = ["base_model"]
    search_fields = ["title", "author__email", "job_id", "base_model"]
    list_select_related = ["author"]
    raw_id_fields = ["author"]
    readonly_fields = [
        "job_id",
        "base_model",
        "hyperparameters",
        "loss_curve",
        "statistics",
        "sample",
        "fork_count",
        "forks_succeeded",
        "published_at",
    ]
    date_hierarchy = "published_at"

    def has_add_permission(self, request):
        return False  # a recipe is published from a succeeded job, by its owner


@admin.register(RecipeFork)
class RecipeForkAdmin(admin.ModelAdmin):
    """Jobs started from recipes, as counted from fine-tuning's activities (read-only)."""

    list_display = ["job_id", "recipe", "forker", "created_at", "succeeded_at"]
    search_fields = ["job_id", "forker__email", "recipe__title"]
    list_select_related = ["recipe", "forker"]
    raw_id_fields = ["recipe", "forker"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
