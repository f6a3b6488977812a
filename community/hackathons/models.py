"""Hackathons: one per hackathon event, with its submission window, teams, submissions (showcase
entries), the judges' scores and the prizes paid when judging is finalised.

The event and the showcase entry belong to other apps (``community.events``,
``community.showcase``): they are referred to by id and read through those apps' selectors,
never joined here.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TEAM_SIZE_MAX = 20
SCORE_MAX = 10


class Hackathon(models.Model):
    """What makes a hackathon event a hackathon: the window in which teams submit, their
    size, the rules, the judging criteria and the prizes."""

    event_id = models.PositiveBigIntegerField(_("event"), unique=True, help_text=_("The hackathon event's id."))
    title = models.CharField(_("title"), max_length=200, help_text=_("Shown on the hackathon's pages and entries."))
    submissions_open_at = models.DateTimeField(_("submissions open"))
    submissions_close_at = models.DateTimeField(_("submissions close"))
    team_size_max = models.PositiveSmallIntegerField(
        _("team size limit"), default=4, validators=[MinValueValidator(1), MaxValueValidator(TEAM_SIZE_MAX)]
    )
    rules = models.TextField(_("rules"), blank=True, help_text=_("Markdown."))
    finalised_at = models.DateTimeField(_("judging finalised"), null=True, blank=True, editable=False)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("finalised by"),
    )
    peoples_choice = models.ForeignKey(
        "Submission",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("people's choice"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-submissions_open_at", "-id"]
        verbose_name = _("hackathon")
        verbose_name_plural = _("hackathons")
        constraints = [
            models.CheckConstraint(
                condition=Q(submissions_close_at__gt=models.F("submissions_open_at")),
                name="hackathon_window_ordered",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("hackathons:detail", kwargs={"hackathon_id": self.pk})

    def clean(self):
        opens, closes = self.submissions_open_at, self.submissions_close_at
        if opens and closes and closes <= opens:
            raise ValidationError({"submissions_close_at": _("Submissions must close after they open.")}, code="window")

    def window_state(self, now) -> str:
        """Where the submission window stands at ``now``: upcoming, open or closed."""
        if now < self.submissions_open_at:
            return "upcoming"
        if now < self.submissions_close_at:
            return "open"
        return "closed"

    @property
    def is_finalised(self) -> bool:
        return self.finalised_at is not None


class Criterion(models.Model):
    """One thing judges score, 0 to SCORE_MAX (e.g. "Use of the API", "Polish")."""

    hackathon = models.ForeignKey(
        Hackathon, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("hackathon")
    )
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("judging criterion")
        verbose_name_plural = _("judging criteria")
        constraints = [
            models.UniqueConstraint(fields=["hackathon", "name"], name="hackathon_criterion_unique_name"),
        ]

    def __str__(self):
        return self.name


class PrizeKind(models.TextChoices):
    POINTS = "points", _("Points")
    CREDITS = "credits", _("Compute credits")


PEOPLES_CHOICE = 0


class Prize(models.Model):
    """What a place pays each member of the team that takes it. Place 0 is the people's
    choice (the submission with the most public votes)."""

    hackathon = models.ForeignKey(
        Hackathon, on_delete=models.CASCADE, related_name="prizes", verbose_name=_("hackathon")
    )
    place = models.PositiveSmallIntegerField(
        _("place"), help_text=_("1 for the winner, 2 for the runner-up, ...; 0 for the people's choice.")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PrizeKind.choices)
    amount = models.PositiveIntegerField(
        _("amount"), validators=[MinValueValidator(1)], help_text=_("Points or credits paid to each team member.")
    )

    class Meta:
        ordering = ["hackathon", "place"]
        verbose_name = _("prize")
        verbose_name_plural = _("prizes")
        constraints = [
            models.UniqueConstraint(fields=["hackathon", "place"], name="hackathon_prize_one_per_place"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="hackathon_prize_amount_positive"),
        ]

    def __str__(self):
        return f"{self.hackathon_id}: {self.place} ({self.amount} {self.kind})"

    @property
    def is_peoples_choice(self) -> bool:
        return self.place == PEOPLES_CHOICE


class Team(models.Model):
    """Members who build together; the creator is the captain. Others join with the invite
    code the members see."""

    hackathon = models.ForeignKey(
        Hackathon, on_delete=models.CASCADE, related_name="teams", verbose_name=_("hackathon")
    )
    name = models.CharField(_("name"), max_length=80)
    invite_code = models.CharField(_("invite code"), max_length=16, unique=True, editable=False)
    captain = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("captain"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["hackathon", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["hackathon", "name"], name="hackathon_team_unique_name"),
        ]

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    """A member's place in a team; one team per member and hackathon (the constraint holds
    it under concurrency)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team"))
    hackathon = models.ForeignKey(Hackathon, on_delete=models.CASCADE, related_name="+", verbose_name=_("hackathon"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hackathon_teams", verbose_name=_("member")
    )
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["hackathon", "user"], name="hackathon_one_team_per_member"),
        ]

    def __str__(self):
        return f"{self.user_id} in {self.team_id}"


class Submission(models.Model):
    """A team's showcase entry, submitted within the window; one per team, replaceable until
    the window closes. Finalising stores the ranking on it."""

    hackathon = models.ForeignKey(
        Hackathon, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("hackathon")
    )
    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="submission", verbose_name=_("team"))
    entry_id = models.PositiveBigIntegerField(_("showcase entry"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Set when judging is finalised.
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True, editable=False)
    average_score = models.DecimalField(
        _("average score"), max_digits=5, decimal_places=2, null=True, blank=True, editable=False
    )
    votes = models.IntegerField(_("public votes"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["hackathon", "submitted_at", "id"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(fields=["hackathon", "entry_id"], name="hackathon_entry_submitted_once"),
        ]

    def __str__(self):
        return f"{self.team} ({self.entry_id})"


class Score(models.Model):
    """One judge's score of one submission on one criterion, with a comment."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="scores", verbose_name=_("submission")
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+", verbose_name=_("criterion"))
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("judge")
    )
    value = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(SCORE_MAX)])
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["submission", "criterion", "judge"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["submission", "criterion", "judge"], name="hackathon_score_once"),
            models.CheckConstraint(condition=Q(value__lte=SCORE_MAX), name="hackathon_score_in_range"),
        ]

    def __str__(self):
        return f"{self.submission_id}/{self.criterion_id}: {self.value}"


class PrizeAward(models.Model):
    """A prize paid to one member of the team that took its place: one row per prize and
    member, written in the transaction that pays, so a second finalise pays nobody twice."""

    prize = models.ForeignKey(Prize, on_delete=models.PROTECT, related_name="awards", verbose_name=_("prize"))
    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="prize_awards", verbose_name=_("submission")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("winner")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PrizeKind.choices)
    amount = models.PositiveIntegerField(_("amount"))
    reference = models.CharField(_("reference"), max_length=100, unique=True)
    paid_at = models.DateTimeField(_("paid"), auto_now_add=True)

    class Meta:
        ordering = ["prize", "id"]
        verbose_name = _("prize award")
        verbose_name_plural = _("prize awards")
        constraints = [
            models.UniqueConstraint(fields=["prize", "user"], name="hackathon_prize_paid_once"),
        ]

    def __str__(self):
        return self.reference
