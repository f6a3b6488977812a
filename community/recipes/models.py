"""Fine-tuning recipes: a succeeded job's configuration, loss curve and dataset figures,
published by its owner for others to fork, and the forks started from each.

A recipe is a snapshot: it keeps what it shows (never the training data, unless the author
attached a public sample) and refers to jobs by their ids only, as fine-tuning's own rows
belong to that app.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class RecipeQuerySet(models.QuerySet):
    def by_author(self, user_id: int):
        return self.filter(author_id=user_id)


class Recipe(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recipes", verbose_name=_("author")
    )
    job_id = models.CharField(_("job"), max_length=40, unique=True)  # one recipe per job
    title = models.CharField(_("title"), max_length=120)
    notes = models.TextField(_("notes"), blank=True, max_length=20000)
    results = models.TextField(_("results"), blank=True, max_length=10000)
    base_model = models.CharField(_("base model"), max_length=200, db_index=True)
    hyperparameters = models.JSONField(_("hyperparameters"), default=dict)
    # {"train": [{"x": step, "y": loss}, ...], "valid": [...]}, as the job recorded it.
    loss_curve = models.JSONField(_("loss curve"), default=dict)
    # {"examples", "tokens", "lengths": {min, median, p90, max, mean}, "histogram": [...]}
    statistics = models.JSONField(_("dataset statistics"), default=dict)
    # Examples the author chose to show (chat format); empty: the data is never shown.
    sample = models.JSONField(_("public sample"), default=list, blank=True)
    fork_count = models.PositiveIntegerField(_("forks"), default=0)
    forks_succeeded = models.PositiveIntegerField(_("successful forks"), default=0)
    published_at = models.DateTimeField(_("published"), auto_now_add=True, db_index=True)

    objects = RecipeQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("recipe")
        verbose_name_plural = _("recipes")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("recipes:detail", kwargs={"recipe_id": self.pk})


class RecipeFork(models.Model):
    """A fine-tuning job started from a recipe; counted once, and once more if it succeeds."""

    recipe = models.ForeignKey(Recipe, on_delete=models.CASCADE, related_name="forks", verbose_name=_("recipe"))
    forker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("forker")
    )
    job_id = models.CharField(_("job"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("forked"), auto_now_add=True)
    succeeded_at = models.DateTimeField(_("succeeded"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("fork")
        verbose_name_plural = _("forks")

    def __str__(self):
        return f"{self.job_id} ← {self.recipe_id}"
