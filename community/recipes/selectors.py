"""Reads of recipes: the list (newest, most forked, by base model), one recipe, a member's
recipes (profiles, ambassadors), and the link that forks a recipe into a new job."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from .models import Recipe

SORTS = {"new": ("-published_at", "-id"), "forks": ("-fork_count", "-forks_succeeded", "-published_at", "-id")}


def recipe_list(*, sort: str = "new", base_model: str = "") -> QuerySet[Recipe]:
    recipes = Recipe.objects.select_related("author__profile").order_by(*SORTS.get(sort, SORTS["new"]))
    if base_model:
        recipes = recipes.filter(base_model=base_model)
    return recipes


def recipe_base_models() -> list[str]:
    """The base models recipes were published on, for the list's filter."""
    return list(Recipe.objects.order_by("base_model").values_list("base_model", flat=True).distinct())


def recipe_get(*, recipe_id: int) -> Recipe:
    """A published recipe (every recipe is public); 404 when there is none."""
    return get_object_or_404(Recipe.objects.select_related("author__profile"), pk=recipe_id)


def recipe_for_job(*, job_id: str) -> Recipe | None:
    return Recipe.objects.filter(job_id=job_id).first()


def recipe_fork_url(recipe: Recipe) -> str:
    """The new-job page, pre-filled with the recipe's base model and hyperparameters and
    carrying its id (fine-tuning reads them as the form's initial values)."""
    query = {"model": recipe.base_model, **recipe.hyperparameters, "recipe": recipe.pk}
    return f"{reverse('finetuning:job_create')}?{urlencode(query)}"


def recipes_by(*, user_id: int) -> list[dict]:
    """A member's recipes, newest first: id, title, base_model, published_at, fork_count,
    forks_succeeded and url."""
    return [
        {**row, "url": reverse("recipes:detail", kwargs={"recipe_id": row["id"]})}
        for row in Recipe.objects.by_author(user_id).values(
            "id", "title", "base_model", "published_at", "fork_count", "forks_succeeded"
        )
    ]
