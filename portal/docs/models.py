"""The docs app's tables: the search index over the Markdown pages, page views and feedback.

The pages themselves live as Markdown files in the repository (``portal/docs/content``);
the database holds only what is derived from them (search sections) and what readers do.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocSection(models.Model):
    """One heading's worth of one page, the unit that search ranks and links to."""

    language = models.CharField(max_length=10, db_index=True)
    page_slug = models.SlugField(max_length=100)
    page_title = models.CharField(max_length=200)
    anchor = models.CharField(max_length=200, blank=True)
    heading = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    # Filled on PostgreSQL only (weighted title/heading/body); SQLite searches `body`.
    search_vector = SearchVectorField(null=True, editable=False)
    # MiniLM sentence embedding computed by an inference worker; empty until it answers.
    embedding = models.JSONField(null=True, blank=True, editable=False)
    content_hash = models.CharField(max_length=64)

    class Meta:
        # The GIN index on search_vector is created by a migration on PostgreSQL only.
        ordering = ["language", "page_slug", "position"]

    def __str__(self):
        return f"{self.page_title} › {self.heading}" if self.heading else self.page_title

    def get_absolute_url(self):
        from django.urls import reverse

        url = reverse("docs:page", kwargs={"slug": self.page_slug})
        return f"{url}#{self.anchor}" if self.anchor else url


class PageView(models.Model):
    """A docs page was shown to a reader (for the community managers' dashboards)."""

    page_slug = models.SlugField(max_length=100, db_index=True)
    language = models.CharField(max_length=10)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # A hash of the session key: counts unique readers without storing the session itself.
    visitor = models.CharField(max_length=64, blank=True)
    referrer = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.page_slug} ({self.language}) at {self.created_at:%Y-%m-%d %H:%M}"


class PageFeedback(models.Model):
    """An answer to "Was this page helpful?", with an optional comment."""

    page_slug = models.SlugField(max_length=100, db_index=True)
    language = models.CharField(max_length=10)
    helpful = models.BooleanField(verbose_name=_("helpful"))
    comment = models.TextField(blank=True, max_length=2000, verbose_name=_("comment"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    visitor = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "page feedback"

    def __str__(self):
        verdict = "helpful" if self.helpful else "not helpful"
        return f"{self.page_slug}: {verdict}"
