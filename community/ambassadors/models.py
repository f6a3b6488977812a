"""The ambassador program: applications managers review, the ambassadors they accept, and
the members who signed up through an ambassador's referral link."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _web_links(text: str) -> list[str]:
    """The lines that are web addresses (the form checks them; an admin edit might not)."""
    lines = (line.strip() for line in (text or "").splitlines())
    return [line for line in lines if line.lower().startswith(("https://", "http://"))]


class Region(models.TextChoices):
    AFRICA = "africa", _("Africa")
    ASIA_PACIFIC = "asia-pacific", _("Asia-Pacific")
    CHINA = "china", _("Greater China")
    EUROPE = "europe", _("Europe")
    LATIN_AMERICA = "latin-america", _("Latin America")
    MIDDLE_EAST = "middle-east", _("Middle East")
    NORTH_AMERICA = "north-america", _("North America")


class Application(models.Model):
    """A member's application to the program; a manager accepts or declines it with a note."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    motivation = models.TextField(_("motivation"), max_length=3000)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)
    languages = models.CharField(_("languages"), max_length=200)
    # One link a line (a blog, a GitHub profile, talks).
    links = models.TextField(_("links"), max_length=1500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    review_note = models.TextField(_("note to the applicant"), max_length=2000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ambassador application")
        verbose_name_plural = _("ambassador applications")
        constraints = [
            # One open application per member, held by the database (a double submit creates one).
            models.UniqueConstraint(fields=["user"], condition=Q(status="pending"), name="ambassadors_one_open"),
        ]

    def __str__(self):
        return f"Application {self.pk} by {self.user_id} ({self.status})"

    @property
    def link_list(self) -> list[str]:
        return _web_links(self.links)


class Ambassador(models.Model):
    """A member accepted into the program. Revoked, the row stays (``active`` off) with its referrals."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="ambassador"
    )
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)
    languages = models.CharField(_("languages"), max_length=200)
    links = models.TextField(_("links"), max_length=1500, blank=True)
    referral_code = models.CharField(max_length=16, unique=True)
    active = models.BooleanField(_("active"), default=True)
    # Whether accepting raised the member to the leader trust level (revoking hands it back).
    granted_leader = models.BooleanField(default=False)
    since = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["region", "since"]
        verbose_name = _("ambassador")
        verbose_name_plural = _("ambassadors")
        indexes = [models.Index(fields=["active", "region"], name="ambassadors_active_region")]

    def __str__(self):
        return f"Ambassador {self.user_id}"

    @property
    def link_list(self) -> list[str]:
        return _web_links(self.links)


class ReferralVisit(models.Model):
    """A browser opened an ambassador's referral link (kept by the keyed device hash the
    accounts app records at sign-up, never the raw cookie)."""

    ambassador = models.ForeignKey(Ambassador, on_delete=models.CASCADE, related_name="+")
    device_hash = models.CharField(max_length=64, db_index=True)
    visited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("referral visit")
        verbose_name_plural = _("referral visits")

    def __str__(self):
        return f"Visit for {self.ambassador_id}"


class Referral(models.Model):
    """A member who signed up through an ambassador's referral link (once per member)."""

    ambassador = models.ForeignKey(Ambassador, on_delete=models.CASCADE, related_name="referrals")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    signed_up_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-signed_up_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["ambassador", "signed_up_at"], name="ambassadors_referral_when")]

    def __str__(self):
        return f"{self.user_id} referred by {self.ambassador_id}"
