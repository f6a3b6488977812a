"""Apps that members built on Atrium, shown in the showcase gallery.

An entry's comments are a forum thread in the Showcase category (the forums own it; the
entry keeps its id). Votes are one per member per entry; the count on the entry is kept
under the entry's row lock so the gallery sorts by it without a join.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Tag(models.Model):
    """A word readers filter the gallery by ("rag", "agents"), created as authors use it."""

    name = models.CharField(max_length=30, unique=True)
    slug = models.SlugField(max_length=30, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("showcase tag")
        verbose_name_plural = _("showcase tags")

    def __str__(self):
        return self.name


class EntryQuerySet(models.QuerySet):
    def published(self):
        """What readers see: published and not hidden."""
        return self.filter(published_at__isnull=False, is_hidden=False)


class Entry(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="showcase_entries")
    title = models.CharField(_("title"), max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    tagline = models.CharField(_("tagline"), max_length=160)
    description = models.TextField(_("description"), max_length=20_000)
    description_html = models.TextField(blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    repository_url = models.URLField(_("repository"), max_length=500, blank=True)
    # Model ids from the registry (``sandbox.registry``), as the author chose them.
    model_ids = models.JSONField(default=list, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="entries")
    # A label the entry shows when it was submitted to a hackathon (its title; no link).
    hackathon = models.CharField(max_length=200, blank=True)
    # The author's opt-in to show their real API usage with the entry's models.
    verified_usage = models.BooleanField(_("show verified usage"), default=False)
    # The forum thread holding the comments (``community.forums``), created with the entry.
    thread_id = models.PositiveIntegerField(null=True, blank=True)
    vote_count = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    featured_at = models.DateTimeField(null=True, blank=True)
    featured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("showcase entry")
        verbose_name_plural = _("showcase entries")
        indexes = [
            models.Index(fields=["-published_at"], name="showcase_entry_new"),
            models.Index(fields=["-vote_count", "-published_at"], name="showcase_entry_top"),
            models.Index(fields=["-featured_at"], name="showcase_entry_featured"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("showcase:detail", kwargs={"slug": self.slug})

    @property
    def is_featured(self) -> bool:
        return self.featured_at is not None


class Vote(models.Model):
    """A member's upvote of an entry; withdrawing it deletes the row."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entry", "user"], name="showcase_vote_once")]
        verbose_name = _("showcase vote")
        verbose_name_plural = _("showcase votes")

    def __str__(self):
        return f"{self.user_id} on {self.entry_id}"


def screenshot_path(instance: Screenshot, filename: str) -> str:
    # The name is ours (a random token and the format Pillow found), never the client's.
    return f"showcase/{instance.token}.{instance.extension}"


class Screenshot(models.Model):
    """An image of the app, checked and re-encoded with Pillow before it is stored."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="screenshots")
    token = models.CharField(max_length=32, unique=True)
    image = models.FileField(upload_to=screenshot_path, max_length=200)
    content_type = models.CharField(max_length=30)
    extension = models.CharField(max_length=5)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("screenshot")
        verbose_name_plural = _("screenshots")

    def __str__(self):
        return self.image.name

    def get_absolute_url(self):
        return reverse("showcase:screenshot", kwargs={"token": self.token, "extension": self.extension})
