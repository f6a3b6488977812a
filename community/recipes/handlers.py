"""What recipes do when something happens: fine-tuning's job activities carry the recipe a
job was forked from, and become forks counted here; the recipes' own activities earn their
author points. Each effect is once per activity (its HandlerRun) and once per cause (the
services' unique rows and the ledger's causes), so a redelivered activity changes nothing."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from community.activity.handlers import activity_handler
from community.rewards.rules import RuleDefault, rule_register
from community.rewards.services import points_award

from .services import recipe_fork_record, recipe_fork_succeed

RULES = (
    RuleDefault("recipe.published", 10, _("You published a fine-tuning recipe")),
    RuleDefault("recipe.forked", 5, _("Someone forked your recipe")),
    RuleDefault("recipe.fork.succeeded", 10, _("A job forked from your recipe succeeded")),
)


def rules_register() -> None:
    for rule in RULES:
        rule_register(rule)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@activity_handler("finetune.job.created", "finetune.job.succeeded", name="recipes.forks")
def forks(activity) -> None:
    """A job started from a recipe is a fork; one that succeeds, a successful fork."""
    recipe_id = _int(activity.properties.get("recipe"))
    if recipe_id is None or activity.actor_id is None:
        return
    count = recipe_fork_succeed if activity.verb == "finetune.job.succeeded" else recipe_fork_record
    count(recipe_id=recipe_id, job_id=activity.target_id, forker_id=activity.actor_id)


@activity_handler("recipe.published", "recipe.forked", "recipe.fork.succeeded", name="recipes.points")
def points(activity) -> None:
    """+10 for publishing; +5 to the author for each fork and +10 for each fork that
    succeeds, never for forking one's own recipe."""
    props = activity.properties
    recipe = _int(props.get("recipe"))
    if recipe is None:
        return
    if activity.verb == "recipe.published":
        if activity.actor_id is not None:
            points_award(
                user_id=activity.actor_id, rule="recipe.published", cause=f"recipe:{recipe}", activity_id=activity.id
            )
        return
    author, job = _int(props.get("recipe_author")), props.get("job")
    if author is None or not job or author == activity.actor_id:
        return
    points_award(
        user_id=author,
        rule=activity.verb,
        cause=f"{activity.verb}:{job}",
        activity_id=activity.id,
        counterpart_id=activity.actor_id,
    )
