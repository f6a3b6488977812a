"""The points ledger: rules, append-only entries, each member's standing and daily rollups.

Reputation and spendable points are never edited: every change is a ``PointsEntry``, and
``MemberStanding`` and ``PointsDay`` are sums of entries kept in the same transaction as
each entry (services lock the member's ``MemberStanding`` row, so one member's entries
are written one at a time).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Rule(models.Model):
    """How many points an action is worth; managers tune it, every change is kept."""

    key = models.CharField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, help_text=_("Shown in members' histories."))
    description = models.TextField(_("description"), blank=True, help_text=_("For managers: when it applies."))
    points = models.IntegerField(_("points"))
    daily_cap = models.PositiveIntegerField(
        _("daily cap"), null=True, blank=True, help_text=_("At most this many points a day from this rule.")
    )
    vote_capped = models.BooleanField(
        _("counts toward the daily vote cap"), default=False, help_text=_("Points from votes are capped per day.")
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    history = HistoricalRecords(verbose_name=_("rule change"), verbose_name_plural=_("rule changes"))

    class Meta:
        ordering = ["key"]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")

    def __str__(self):
        return self.key


class EntryKind(models.TextChoices):
    AWARD = "award", _("Award")
    REVERSAL = "reversal", _("Reversal")
    REFUSED = "refused", _("Not counted")
    SPEND = "spend", _("Spent")
    REFUND = "refund", _("Refund")


class PointsEntryQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def reputation(self):
        """Entries that count toward reputation (spends and refunds move the balance only)."""
        return self.filter(kind__in=REPUTATION_KINDS)


REPUTATION_KINDS = (EntryKind.AWARD, EntryKind.REVERSAL, EntryKind.REFUSED)


class PointsEntry(models.Model):
    """One line of the ledger. Never changed or deleted: a mistake is undone by a counter-entry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_entries")
    amount = models.IntegerField(_("points"))
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    rule_key = models.CharField(_("rule"), max_length=64, blank=True)
    # What earned it, e.g. "vote:<post>:<voter>": at most one live award per user, rule and cause.
    cause = models.CharField(_("cause"), max_length=200)
    activity_id = models.UUIDField(_("activity"), null=True, blank=True)
    # The other member involved (the voter, the acceptor), for anti-gaming and serial voting.
    counterpart = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("other member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category_id = models.PositiveIntegerField(_("forum category"), null=True, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reversed_by",
    )
    # Why it was refused or reversed, in English as written in code (a gettext msgid):
    # histories show it translated.
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Points not counted (a refusal) or taken back from the other side (serial voting).
    withheld = models.IntegerField(_("points not counted"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=False)

    objects = PointsEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="rewards_entry_history"),
            # Cause first: a batch of votes looks its causes up with one ``cause = ANY(...)``
            # (500 index descents), where a (user, rule, cause) index made PostgreSQL scan
            # every entry of the batch's members.
            models.Index(fields=["cause", "user", "rule_key"], name="rewards_entry_cause"),
            # What a batch's activities wrote already (redelivery), looked up the same way.
            models.Index(
                fields=["activity_id"], condition=models.Q(activity_id__isnull=False), name="rewards_entry_activity"
            ),
            models.Index(fields=["counterpart", "created_at"], name="rewards_entry_counterpart"),
        ]
        constraints = [
            # A redelivered activity writes nothing twice.
            models.UniqueConstraint(
                fields=["user", "rule_key", "kind", "activity_id"],
                condition=models.Q(activity_id__isnull=False),
                name="rewards_entry_once_per_activity",
            ),
            # A spend is identified by its cause (a redemption, a bounty): retries never spend twice.
            models.UniqueConstraint(
                fields=["user", "cause"], condition=models.Q(kind="spend"), name="rewards_spend_once_per_cause"
            ),
        ]

    def __str__(self):
        return f"{self.amount:+d} {self.rule_key or self.kind} ({self.cause})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Points entries are append-only: write a counter-entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Points entries are append-only: write a counter-entry instead.")


class MemberStanding(models.Model):
    """A member's sums of the ledger; the row services lock while writing their entries."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="points_standing"
    )
    reputation = models.IntegerField(_("reputation"), default=0)
    balance = models.IntegerField(_("spendable points"), default=0)
    leaderboard_opt_out = models.BooleanField(_("hidden from leaderboards"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("member standing")
        verbose_name_plural = _("member standings")
        indexes = [models.Index(fields=["-reputation"], name="rewards_standing_reputation")]

    def __str__(self):
        return f"{self.user_id}: {self.reputation} reputation, {self.balance} spendable"


class PointsDay(models.Model):
    """Reputation points a member earned on one UTC day in one forum category (0: none);
    leaderboards and nominations sum these instead of scanning the ledger."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    category_id = models.PositiveIntegerField(_("forum category"), default=0)
    points = models.IntegerField(_("points"), default=0)

    class Meta:
        verbose_name = _("points per day")
        verbose_name_plural = _("points per day")
        constraints = [
            models.UniqueConstraint(fields=["user", "day", "category_id"], name="rewards_points_day_unique"),
        ]
        indexes = [models.Index(fields=["day", "category_id"], name="rewards_points_day_period")]

    def __str__(self):
        return f"{self.user_id} {self.day} [{self.category_id}]: {self.points:+d}"


class AccountSignal(models.Model):
    """Where an account signed up or logged in from, as keyed hashes (never the raw IP or
    cookie): accounts that share a device, or an IP within a day of signing up, look linked
    and earn nothing from each other."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ip_hash = models.CharField(_("IP address (keyed hash)"), max_length=64, blank=True)
    device_hash = models.CharField(_("device (keyed hash)"), max_length=64, blank=True)
    signed_up = models.BooleanField(_("at sign-up"), default=False)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("account signal")
        verbose_name_plural = _("account signals")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "ip_hash", "device_hash", "signed_up"], name="rewards_account_signal_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["device_hash"], name="rewards_signal_device"),
            models.Index(fields=["ip_hash", "first_seen"], name="rewards_signal_ip"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.ip_hash[:8]} {self.device_hash[:8]}"


# --- Leaderboards (leaderboards.py) -----------------------------------------------------------


class LeaderboardBoard(models.TextChoices):
    WEEK = "week", _("This week")
    MONTH = "month", _("This month")
    ALL = "all", _("All time")


class LeaderboardRow(models.Model):
    """One member's place on one leaderboard: a period (this week, this month, all time; from
    ``period_start``, a UTC day) and a forum category (0: all of them). A rollup, rebuilt from
    ``PointsDay`` every few minutes (``leaderboards.leaderboards_refresh``): pages read these
    rows and never sum the ledger."""

    board = models.CharField(_("period"), max_length=5, choices=LeaderboardBoard.choices)
    period_start = models.DateField(_("period start"))
    category_id = models.PositiveIntegerField(_("forum category"), default=0)
    rank = models.PositiveIntegerField(_("rank"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    points = models.IntegerField(_("points"))

    class Meta:
        verbose_name = _("leaderboard row")
        verbose_name_plural = _("leaderboard rows")
        constraints = [
            # A member's own place (the page's "you are #n"), and what the rebuild upserts on.
            models.UniqueConstraint(
                fields=["board", "category_id", "period_start", "user"], name="rewards_leaderboard_member"
            ),
        ]
        indexes = [
            # A page of one board in rank order reads its rows straight off this index.
            models.Index(
                fields=["board", "category_id", "period_start", "rank", "user"], name="rewards_leaderboard_rank"
            ),
        ]

    def __str__(self):
        return f"#{self.rank} {self.user_id} {self.board} {self.period_start} [{self.category_id}]: {self.points}"


class LeaderboardTotal(models.Model):
    """A member's points in one forum category (0: none) over every UTC day up to
    ``LeaderboardBuild.folded_through``: the all-time boards add the days after it from
    ``PointsDay``, so a refresh reads a few days of rows instead of the whole history."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    category_id = models.PositiveIntegerField(_("forum category"), default=0)
    points = models.IntegerField(_("points"), default=0)

    class Meta:
        verbose_name = _("all-time leaderboard total")
        verbose_name_plural = _("all-time leaderboard totals")
        constraints = [
            models.UniqueConstraint(fields=["user", "category_id"], name="rewards_leaderboard_total_unique"),
        ]

    def __str__(self):
        return f"{self.user_id} [{self.category_id}]: {self.points}"


class LeaderboardBuild(models.Model):
    """The leaderboards' bookkeeping (one row, locked while they are rebuilt)."""

    folded_through = models.DateField(_("totals include days through"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed"), null=True, blank=True)
    rebuilt_at = models.DateTimeField(_("rebuilt from scratch"), null=True, blank=True)

    class Meta:
        verbose_name = _("leaderboard build")
        verbose_name_plural = _("leaderboard builds")

    def __str__(self):
        return f"Leaderboards refreshed {self.refreshed_at:%Y-%m-%d %H:%M}" if self.refreshed_at else "Leaderboards"
