"""Trust levels: each member's level and the reading and participation it rests on, kept
from the activity stream (handlers.py), and the settings managers tune."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .config import SETTING_DEFAULTS, SETTING_KEY_MAX_LENGTH
from .levels import Level

# The counters kept per member (lifetime) and per member and day (for windows such as
# the regular level's last 100 days). `seconds_reading` is shown in minutes.
STAT_FIELDS = (
    "days_visited",
    "topics_entered",
    "posts_read",
    "seconds_reading",
    "likes_given",
    "likes_received",
    "replies_posted",
)


class MemberTrust(models.Model):
    """A member's trust level and lifetime counters (one row per member who did anything)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trust")
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.NEW)
    locked = models.BooleanField(
        default=False, help_text=_("A locked level is never changed automatically, up or down.")
    )
    level_changed_at = models.DateTimeField(null=True, blank=True)
    days_visited = models.PositiveIntegerField(default=0)
    topics_entered = models.PositiveIntegerField(default=0)
    posts_read = models.PositiveIntegerField(default=0)
    seconds_reading = models.PositiveIntegerField(default=0)
    likes_given = models.PositiveIntegerField(default=0)
    likes_received = models.PositiveIntegerField(default=0)
    replies_posted = models.PositiveIntegerField(default=0)
    last_suspended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "member's trust level"
        verbose_name_plural = "members' trust levels"
        indexes = [models.Index(fields=["level"], name="trust_member_level")]

    def __str__(self):
        return f"{self.user_id}: {self.get_level_display()}"


class MemberDay(models.Model):
    """What a member did on one day (UTC): the windows of the regular level sum these."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    visited = models.BooleanField(default=False)
    topics_entered = models.PositiveIntegerField(default=0)
    posts_read = models.PositiveIntegerField(default=0)
    seconds_reading = models.PositiveIntegerField(default=0)
    likes_given = models.IntegerField(default=0)
    likes_received = models.IntegerField(default=0)
    replies_posted = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "member's day of activity"
        verbose_name_plural = "members' days of activity"
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="trust_memberday_unique")]

    def __str__(self):
        return f"{self.user_id} on {self.day}"


class LevelChangeReason(models.TextChoices):
    PROMOTED = "promoted", _("Promoted")
    DEMOTED = "demoted", _("Demoted")
    SET_BY_MANAGER = "manager", _("Set by a manager")
    UNLOCKED = "unlocked", _("Unlocked by a manager")


class LevelChange(models.Model):
    """Every change of a member's level, why, and by whom (managers' changes)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    old_level = models.PositiveSmallIntegerField(choices=Level.choices)
    new_level = models.PositiveSmallIntegerField(choices=Level.choices)
    reason = models.CharField(max_length=20, choices=LevelChangeReason.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "trust level change"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="trust_change_user_recent")]

    def __str__(self):
        return f"{self.user_id}: {self.get_old_level_display()} -> {self.get_new_level_display()}"


class TrustSetting(models.Model):
    """A manager's value for one setting of config.py (blank: its default)."""

    # Not a choices field: a setting added to config.py needs no migration (rows are
    # created for every key after migrate, see apps.py).
    key = models.CharField(max_length=SETTING_KEY_MAX_LENGTH, unique=True)
    value = models.IntegerField(null=True, blank=True, help_text=_("Leave blank for the default."))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "trust level setting"
        ordering = ["key"]

    def __str__(self):
        return self.key

    def clean(self):
        if self.key not in SETTING_DEFAULTS:
            raise ValidationError({"key": _("There is no such setting.")})

    @property
    def default(self) -> int | None:
        found = SETTING_DEFAULTS.get(self.key)
        return found.default if found else None

    @property
    def description(self) -> str:
        found = SETTING_DEFAULTS.get(self.key)
        return str(found.description) if found else ""
