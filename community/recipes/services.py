"""Writes of recipes: publish a succeeded job as a recipe, and count the jobs forked from it.

Forks are counted from fine-tuning's activities (``handlers.py``): the job form carries a
recipe's id into the job, and ``finetune.job.created`` / ``finetune.job.succeeded`` carry it
here. Each fork and each successful fork is counted once however often they are delivered.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from community.activity.services import activity_record
from sandbox.finetuning import selectors as finetuning

from .models import Recipe, RecipeFork

HYPERPARAMETERS = ("n_epochs", "batch_size", "learning_rate_multiplier", "rank")
MAX_CURVE_POINTS = 400
SAMPLE_MAX_EXAMPLES = 5
SAMPLE_MAX_BYTES = 20_000


class RecipeError(Exception):
    """A recipe cannot be published; ``message`` says why, in the reader's language."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _thinned(points: list[dict]) -> list[dict]:
    """At most MAX_CURVE_POINTS points, evenly spaced, the last one kept."""
    if len(points) <= MAX_CURVE_POINTS:
        return points
    stride = len(points) / MAX_CURVE_POINTS
    kept = [points[int(i * stride)] for i in range(MAX_CURVE_POINTS - 1)]
    return [*kept, points[-1]]


def sample_parse(text: str) -> list[dict]:
    """The public sample an author pasted (JSONL, chat format, a few examples); raises
    ValidationError naming the problem."""
    if not (text or "").strip():
        return []
    from sandbox.finetuning.validation import FileTooLarge, TrainingDataInvalid

    try:
        return finetuning.chat_sample_parse(text=text, max_examples=SAMPLE_MAX_EXAMPLES, max_bytes=SAMPLE_MAX_BYTES)
    except FileTooLarge:
        raise ValidationError(
            _("The sample is longer than %(limit)s bytes; keep a few short examples.") % {"limit": SAMPLE_MAX_BYTES}
        ) from None
    except TrainingDataInvalid as exc:
        raise ValidationError(
            _("The sample is not valid chat-format JSONL: %(problem)s") % {"problem": exc.describe()}
        ) from None


def recipe_publish(*, author, job_id: str, title: str, notes: str = "", results: str = "", sample: str = "") -> Recipe:
    """Publish the author's own succeeded job as a recipe: its base model, hyperparameters,
    loss curve and training-file statistics, with the author's title, notes and results.
    The data itself is never copied; ``sample`` (JSONL) is the only part of it shown, and
    only when the author pastes it. Someone else's job, or one that has not succeeded, is a
    404; a job already published raises RecipeError."""
    job = finetuning.job_get_succeeded_for_user(user=author, job_id=job_id)
    if Recipe.objects.filter(job_id=job.id).exists():
        raise RecipeError(_("This job is already published as a recipe."))
    examples = sample_parse(sample)
    from sandbox.finetuning.tokens import TokenizerUnavailable

    try:
        statistics = finetuning.job_training_statistics(job=job)
    except TokenizerUnavailable:
        raise RecipeError(
            _(
                "The base model's tokenizer cannot be read right now, so the dataset cannot be measured; "
                "try again later."
            )
        ) from None
    series = finetuning.job_loss_series(job=job)
    recipe = Recipe(
        author=author,
        job_id=job.id,
        title=title.strip(),
        notes=notes,
        results=results,
        base_model=job.base_model.model_id,
        hyperparameters={k: job.hyperparameters[k] for k in HYPERPARAMETERS if k in job.hyperparameters},
        loss_curve={"train": _thinned(series["train"]), "valid": _thinned(series["valid"])},
        statistics=statistics,
        sample=examples,
    )
    recipe.full_clean()
    recipe.save()
    activity_record(
        actor=author,
        verb="recipe.published",
        target=recipe,
        properties={"recipe": recipe.pk, "base_model": recipe.base_model},
        dedupe_key=f"recipe.published:{recipe.pk}",
    )
    return recipe


def recipe_fork_record(*, recipe_id: int, job_id: str, forker_id: int) -> RecipeFork | None:
    """Count a job started from a recipe (once per job) and record ``recipe.forked``.
    None when the recipe does not exist (a link with a stale or made-up id)."""
    with transaction.atomic():
        recipe = Recipe.objects.select_for_update().filter(pk=recipe_id).first()
        if recipe is None:
            return None
        fork, created = RecipeFork.objects.get_or_create(
            job_id=job_id, defaults={"recipe": recipe, "forker_id": forker_id}
        )
        if not created:
            return fork
        Recipe.objects.filter(pk=recipe.pk).update(fork_count=F("fork_count") + 1)
    activity_record(
        actor=forker_id,
        verb="recipe.forked",
        target=recipe,
        properties={"recipe": recipe.pk, "recipe_author": recipe.author_id, "job": job_id},
        dedupe_key=f"recipe.forked:{job_id}",
    )
    return fork


def recipe_fork_succeed(*, recipe_id: int, job_id: str, forker_id: int) -> RecipeFork | None:
    """Count a forked job that succeeded (once per job) and record ``recipe.fork.succeeded``."""
    fork = recipe_fork_record(recipe_id=recipe_id, job_id=job_id, forker_id=forker_id)
    if fork is None:
        return None
    with transaction.atomic():
        marked = RecipeFork.objects.filter(pk=fork.pk, succeeded_at__isnull=True).update(succeeded_at=timezone.now())
        if not marked:
            return fork
        Recipe.objects.filter(pk=fork.recipe_id).update(forks_succeeded=F("forks_succeeded") + 1)
    recipe = Recipe.objects.only("id", "author_id").get(pk=fork.recipe_id)
    activity_record(
        actor=forker_id,
        verb="recipe.fork.succeeded",
        target=recipe,
        properties={"recipe": recipe.pk, "recipe_author": recipe.author_id, "job": job_id},
        dedupe_key=f"recipe.fork.succeeded:{job_id}",
    )
    return fork
