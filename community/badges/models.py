"""Badges earned from activities, honors awarded by managers, and the counters badges read.

The badges app keeps its own tables: the counters (``MemberTally``, ``PostTally``) are
filled by its activity handlers (community/badges/handlers.py), never read from the forums'
or the API's tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from portal.shipped import shipped_register

from .definitions import Grade, badge_definition

# The honor kinds Atrium ships (a data migration writes them; managers add their own).
SHIPPED_HONOR_KINDS = [
    (
        "contributor-of-the-month",
        gettext_noop("Contributor of the Month"),
        gettext_noop("The member whose answers and help meant the most to the community this month."),
    ),
    (
        "technical-pioneer",
        gettext_noop("Technical Pioneer"),
        gettext_noop("A member who opened up new ground: a tool, a guide or a technique others now build on."),
    ),
]
shipped_register(*(text for _slug, name, description in SHIPPED_HONOR_KINDS for text in (name, description)))


class Badge(models.Model):
    """The row of a badge defined in code (definitions.py): awards point here, managers switch it off."""

    slug = models.SlugField(_("badge"), max_length=50, unique=True)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    enabled = models.BooleanField(
        _("awarded"), default=True, help_text=_("Switched off, nobody earns it any more; holders keep it.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("badge")
        verbose_name_plural = _("badges")

    def __str__(self):
        return str(self.name)

    def get_absolute_url(self):
        return reverse("badges:detail", kwargs={"slug": self.slug})

    @property
    def definition(self):
        return badge_definition(self.slug)

    @property
    def name(self):
        definition = self.definition
        return definition.name if definition else self.slug

    @property
    def description(self):
        definition = self.definition
        return definition.description if definition else ""


class BadgeAward(models.Model):
    """A member earned a badge: once per member for most badges, once per post for post badges (``cause``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badge_awards", db_index=False
    )
    badge = models.ForeignKey(Badge, on_delete=models.PROTECT, related_name="awards", db_index=False)
    # What earned it, for badges earned more than once ("post:<id>"); empty for once-only badges.
    cause = models.CharField(max_length=64, blank=True, default="")
    # Where the cause is (the post), if anywhere.
    url = models.CharField(max_length=300, blank=True)
    activity_id = models.UUIDField(null=True, blank=True)
    awarded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-awarded_at", "-id"]
        verbose_name = _("badge award")
        verbose_name_plural = _("badge awards")
        constraints = [
            # However often an activity is delivered, or evaluations race, a badge is earned once per cause.
            models.UniqueConstraint(fields=["user", "badge", "cause"], name="badges_award_once"),
        ]
        indexes = [
            models.Index(fields=["badge", "-awarded_at"], name="badges_award_badge_recent"),
            models.Index(fields=["user", "-awarded_at"], name="badges_award_user_recent"),
        ]

    def __str__(self):
        return f"{self.badge.slug} to {self.user_id}"


class MemberTally(models.Model):
    """What a member did that badges count, kept from activities (one row per member)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="badge_tally"
    )
    keys_created = models.PositiveIntegerField(_("API keys created"), default=0)
    first_calls = models.PositiveIntegerField(_("first API call"), default=0)
    emails_verified = models.PositiveIntegerField(_("email addresses verified"), default=0)
    questions = models.PositiveIntegerField(_("questions asked"), default=0)
    answers = models.PositiveIntegerField(_("answers to others' questions"), default=0)
    accepted = models.PositiveIntegerField(_("accepted answers"), default=0)
    upvotes_given = models.PositiveIntegerField(_("upvotes given"), default=0)
    upvotes_received = models.PositiveIntegerField(_("upvotes received"), default=0)
    streamed_days = models.PositiveIntegerField(_("days with a streamed reply"), default=0)
    finetunes_succeeded = models.PositiveIntegerField(_("fine-tuning jobs succeeded"), default=0)
    events_attended = models.PositiveIntegerField(_("events attended"), default=0)
    showcase_entries = models.PositiveIntegerField(_("showcase entries published"), default=0)
    showcase_featured = models.PositiveIntegerField(_("showcase entries featured"), default=0)
    recipe_forks_succeeded = models.PositiveIntegerField(_("others' forks of their recipes succeeded"), default=0)
    ambassador = models.PositiveIntegerField(_("times accepted as an ambassador"), default=0)
    hackathon_prizes = models.PositiveIntegerField(_("hackathon prizes won"), default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("member tally")
        verbose_name_plural = _("member tallies")

    def __str__(self):
        return f"Tally of {self.user_id}"


class PostTally(models.Model):
    """A Q&A post's score, kept from vote activities (for Nice Answer, Good Question, ...)."""

    post_id = models.PositiveBigIntegerField(primary_key=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    thread_id = models.PositiveBigIntegerField(null=True, blank=True)
    is_question = models.BooleanField(default=False)
    score = models.IntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("post tally")
        verbose_name_plural = _("post tallies")

    def __str__(self):
        return f"Post {self.post_id}: {self.score}"

    def get_absolute_url(self):
        return reverse("forums:post", kwargs={"pk": self.post_id})


class HonorKind(models.Model):
    """An honor managers award by hand ("Contributor of the Month"); managers add kinds in the admin."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=500)
    active = models.BooleanField(_("awarded now"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("honor kind")
        verbose_name_plural = _("honor kinds")

    def __str__(self):
        return self.name


class Honor(models.Model):
    """A manager honored a member, saying why (the citation)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="honors")
    kind = models.ForeignKey(HonorKind, on_delete=models.PROTECT, related_name="honors")
    citation = models.TextField(_("citation"), max_length=1000)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    awarded_at = models.DateTimeField(default=timezone.now)
    # The award form's one-time key: a double click or a resubmitted form awards once.
    key = models.UUIDField(unique=True)

    class Meta:
        ordering = ["-awarded_at", "-id"]
        verbose_name = _("honor")
        verbose_name_plural = _("honors")
        indexes = [models.Index(fields=["-awarded_at"], name="badges_honor_recent")]

    def __str__(self):
        return f"{self.kind} to {self.user_id}"
