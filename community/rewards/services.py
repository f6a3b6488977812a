"""Writes to the points ledger.

Every function runs in its own ``transaction.atomic`` and locks the member's
``MemberStanding`` row first, so a member's entries, standing and daily rollups change
one writer at a time: concurrent duplicate deliveries and double-clicked redemptions
serialize on that row, and the checks below (already awarded? enough balance?) are
made under the lock.

Reasons (refusals, reversals, refunds) are stored as given and shown through
``portal.shipped``: a reason the product writes is English marked with ``gettext_noop``
and declared with ``shipped_register`` (as below), so histories show it translated; any
other text (a manager's words) is shown as written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from portal import cache_versions
from portal.accounts.selectors import email_verified_ids
from portal.bulk import rows_locked, rows_update
from portal.shipped import shipped_register

from .leaderboards import PAGES_VERSION_KEY
from .linked import linked_pairs
from .models import EntryKind, MemberStanding, PointsDay, PointsEntry, Rule
from .rules import rule_default

# Refusals and reversals this app writes (shown translated in histories).
REASON_SELF = gettext_noop("No points from your own post or action.")
REASON_UNVERIFIED = gettext_noop("Vote points count only when both members have verified their email address.")
REASON_LINKED = gettext_noop(
    "These accounts look linked (same device, or same network at sign-up): no points between them."
)
REASON_VOTE_CAP = gettext_noop("Daily limit on points from votes reached.")
REASON_RULE_CAP = gettext_noop("Daily limit for these points reached.")
REASON_SERIAL = gettext_noop("Serial voting: many votes between the same two members in one day were reversed.")
REASON_VOTE_WITHDRAWN = gettext_noop("The vote was withdrawn.")
REASON_UNACCEPTED = gettext_noop("The answer is no longer accepted.")
REASON_SPAM_CLEARED = gettext_noop("The post was restored: it was not spam.")
shipped_register(
    REASON_SELF,
    REASON_UNVERIFIED,
    REASON_LINKED,
    REASON_VOTE_CAP,
    REASON_RULE_CAP,
    REASON_SERIAL,
    REASON_VOTE_WITHDRAWN,
    REASON_UNACCEPTED,
    REASON_SPAM_CLEARED,
)


class InsufficientPoints(ValidationError):
    """The member's spendable balance is short of what a spend needs."""


def _utc_day_start(moment: datetime) -> datetime:
    return datetime.combine(moment.astimezone(UTC).date(), time.min, tzinfo=UTC)


def rule_get(*, key: str) -> Rule:
    """The rule's current row; created from its registered default on first use."""
    rule = Rule.objects.filter(key=key).first()
    if rule is not None:
        return rule
    default = rule_default(key)
    if default is None:
        raise LookupError(f"unknown points rule {key!r}: register it with community.rewards.rules.rule_register")
    rule, _created = Rule.objects.get_or_create(
        key=key,
        defaults={
            "name": default.description,
            "points": default.points,
            "daily_cap": default.daily_cap,
            "vote_capped": default.vote_capped,
        },
    )
    return rule


def _standing_lock(user_id: int) -> MemberStanding | None:
    """Lock the member's standing row (created at their first entry); None if no such user."""
    return _standings_lock([user_id]).get(user_id)


def _standings_lock(user_ids) -> dict[int, MemberStanding]:
    """Lock the standing rows of these members, in id order (so that two writers locking
    overlapping sets never deadlock), creating the rows of members who have none yet;
    accounts that no longer exist are left out."""
    return rows_locked(MemberStanding, field="user", keys=user_ids, create=_new_standings)


def _new_standings(user_ids: list[int]) -> list[MemberStanding]:
    existing = get_user_model().objects.filter(pk__in=user_ids).values_list("pk", flat=True)
    return [MemberStanding(user_id=pk) for pk in existing]


def _append(standing: MemberStanding, entry: PointsEntry) -> PointsEntry:
    """Write one entry and the sums it changes (the caller holds the standing lock)."""
    ledger = _LedgerBatch(standings={standing.user_id: standing})
    ledger.append(entry)
    ledger.write()
    return entry


@dataclass(frozen=True)
class Award:
    """``rule``'s points (or ``amount``) to the member for ``cause``: see ``points_award``."""

    user_id: int
    rule: str
    cause: str
    activity_id: uuid.UUID | None = None
    counterpart_id: int | None = None
    category_id: int | None = None
    amount: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Reversal:
    """The counter-entry of the live award of (user, rule, cause): see ``points_reverse``."""

    user_id: int
    rule: str
    cause: str
    reason: str
    activity_id: uuid.UUID | None = None


class _LedgerBatch:
    """Entries written together under the locks of their members' standings: the checks
    (already awarded? refused? capped?) read what is stored once for the whole batch and
    then what the batch itself has written, so a batch writes what the same operations
    applied one at a time would, in a dozen statements however many there are."""

    def __init__(self, *, standings: dict[int, MemberStanding]):
        self.now = timezone.now()
        self.standings = standings
        self.pending: list[PointsEntry] = []
        self.changed: set[int] = set()
        self.days: dict[tuple[int, date, int], int] = {}
        # (user, rule, cause) -> its live award; (user, rule, activity, "award" | "reversal") written.
        self.live: dict[tuple[int, str, str], PointsEntry] = {}
        self.written: set[tuple[int, str, uuid.UUID, str]] = set()
        self.rules: dict[str, Rule] = {}
        self.verified: set[int] = set()
        self.linked: set[frozenset[int]] = set()
        # Counterparts whose accounts are gone (an entry cannot name them).
        self.gone: set[int] = set()
        # Points earned today: per member from vote-capped rules, per (member, rule) from capped rules.
        self.vote_earned: dict[int, int] = {}
        self.rule_earned: dict[tuple[int, str], int] = {}

    # --- Reading what is stored, once -------------------------------------------------------

    def load(self, operations: list[Award | Reversal]) -> None:
        self.rules = _rules_get({op.rule for op in operations})
        # By cause and by activity only (each its own index, one descent per value), the
        # members and rules matched here.
        causes = {op.cause for op in operations}
        activities = {op.activity_id for op in operations if op.activity_id is not None}
        stored = Q(cause__in=causes, kind=EntryKind.AWARD)
        if activities:
            stored |= Q(activity_id__in=activities)
        wanted = {(op.user_id, op.rule, op.cause) for op in operations}
        written = {(op.user_id, op.rule, op.activity_id) for op in operations if op.activity_id is not None}
        for entry in PointsEntry.objects.filter(stored).annotate(reversal_id=F("reversed_by__id")).order_by():
            key = (entry.user_id, entry.rule_key, entry.cause)
            if key in wanted or (entry.user_id, entry.rule_key, entry.activity_id) in written:
                self._remember(entry, live=entry.reversal_id is None and key in wanted)
        pairs = {
            (op.user_id, op.counterpart_id)
            for op in operations
            if isinstance(op, Award) and op.counterpart_id is not None and op.counterpart_id != op.user_id
        }
        if pairs:
            if any(self.rules[op.rule].vote_capped for op in operations if isinstance(op, Award)):
                self.verified = email_verified_ids(user_ids={pk for pair in pairs for pk in pair})
            self.linked = linked_pairs(pairs)
        vote_users = {op.user_id for op in operations if self.rules[op.rule].vote_capped}
        if vote_users:
            capped_keys = Rule.objects.filter(vote_capped=True).values("key")
            earned = self._earned_today(["user_id"], user_id__in=vote_users, rule_key__in=capped_keys)
            self.vote_earned = {row["user_id"]: row["total"] for row in earned}
        rule_users = {(op.user_id, op.rule) for op in operations if self.rules[op.rule].daily_cap is not None}
        if rule_users:
            earned = self._earned_today(
                ["user_id", "rule_key"],
                user_id__in={user for user, _rule in rule_users},
                rule_key__in={rule for _user, rule in rule_users},
            )
            self.rule_earned = {(row["user_id"], row["rule_key"]): row["total"] for row in earned}

    def _earned_today(self, group: list[str], **filters):
        """Points awarded (less reversed) today, summed per ``group``."""
        return (
            PointsEntry.objects.filter(
                kind__in=(EntryKind.AWARD, EntryKind.REVERSAL), created_at__gte=_utc_day_start(self.now), **filters
            )
            .order_by()
            .values(*group)
            .annotate(total=Sum("amount"))
        )

    def _remember(self, entry: PointsEntry, *, live: bool) -> None:
        if entry.activity_id is not None:
            side = "reversal" if entry.kind == EntryKind.REVERSAL else "award"
            self.written.add((entry.user_id, entry.rule_key, entry.activity_id, side))
        if live and entry.kind == EntryKind.AWARD:
            self.live[(entry.user_id, entry.rule_key, entry.cause)] = entry

    # --- Applying operations, in order --------------------------------------------------------

    def award(self, op: Award) -> PointsEntry | None:
        rule = self.rules[op.rule]
        standing = self.standings.get(op.user_id)
        if not rule.enabled or standing is None:
            return None
        if op.counterpart_id in self.gone:  # the account was deleted since the activity
            if rule.vote_capped:
                return None  # a deleted account's votes count for nothing
            op = replace(op, counterpart_id=None)
        if (op.user_id, op.rule, op.cause) in self.live or (
            op.activity_id is not None and (op.user_id, op.rule, op.activity_id, "award") in self.written
        ):
            return None
        points = rule.points if op.amount is None else op.amount
        fields = {
            "user_id": op.user_id,
            "rule_key": op.rule,
            "cause": op.cause,
            "activity_id": op.activity_id,
            "counterpart_id": op.counterpart_id,
            "category_id": op.category_id,
            "note": op.note,
        }
        if points <= 0:  # penalties are never refused or capped
            return self.append(PointsEntry(kind=EntryKind.AWARD, amount=points, **fields))
        refusal = self._refusal(rule, op)
        if refusal:
            return self.append(PointsEntry(kind=EntryKind.REFUSED, amount=0, reason=refusal, withheld=points, **fields))
        allowed, cap_reason = self._cap(rule, op.user_id, points)
        if allowed == 0:
            return self.append(
                PointsEntry(kind=EntryKind.REFUSED, amount=0, reason=cap_reason, withheld=points, **fields)
            )
        award = self.append(PointsEntry(kind=EntryKind.AWARD, amount=allowed, **fields))
        if allowed < points:
            self.append(
                PointsEntry(kind=EntryKind.REFUSED, amount=0, reason=cap_reason, withheld=points - allowed, **fields)
            )
        return award

    def reverse(self, op: Reversal) -> PointsEntry | None:
        if op.user_id not in self.standings:
            return None
        if op.activity_id is not None and (op.user_id, op.rule, op.activity_id, "reversal") in self.written:
            return None
        award = self.live.get((op.user_id, op.rule, op.cause))
        if award is None:
            return None
        if award.pk is None:  # written by this batch: stored first, so the reversal can name it
            self._flush()
        return self.append(
            PointsEntry(
                user_id=op.user_id,
                kind=EntryKind.REVERSAL,
                amount=-award.amount,
                rule_key=op.rule,
                cause=op.cause,
                activity_id=op.activity_id,
                counterpart_id=award.counterpart_id,
                category_id=award.category_id,
                reverses=award,
                reason=op.reason,
            )
        )

    def _refusal(self, rule: Rule, op: Award) -> str | None:
        """Why an award between these members must not count, if it must not."""
        user_id, counterpart_id = op.user_id, op.counterpart_id
        if counterpart_id is None:
            return None
        if counterpart_id == user_id:
            return REASON_SELF
        if rule.vote_capped and not {user_id, counterpart_id} <= self.verified:
            return REASON_UNVERIFIED
        if frozenset((user_id, counterpart_id)) in self.linked:
            return REASON_LINKED
        return None

    def _cap(self, rule: Rule, user_id: int, points: int) -> tuple[int, str]:
        """How many of ``points`` still fit under today's caps, and the cap that cut them."""
        allowed, reason = points, ""
        if rule.daily_cap is not None:
            left = max(0, rule.daily_cap - self.rule_earned.get((user_id, rule.key), 0))
            if left < allowed:
                allowed, reason = left, REASON_RULE_CAP
        if rule.vote_capped:
            left = max(0, settings.REWARDS_VOTE_DAILY_CAP - self.vote_earned.get(user_id, 0))
            if left < allowed:
                allowed, reason = left, REASON_VOTE_CAP
        return allowed, reason

    def append(self, entry: PointsEntry) -> PointsEntry:
        """Queue one entry and move the sums it changes (the standing is locked)."""
        entry.created_at = self.now
        _check_lengths(entry)
        self.pending.append(entry)
        key = (entry.user_id, entry.rule_key, entry.cause)
        if entry.kind == EntryKind.REVERSAL:
            self.live.pop(key, None)
        self._remember(entry, live=True)
        counts_toward_reputation = entry.kind in (EntryKind.AWARD, EntryKind.REVERSAL, EntryKind.REFUSED)
        if entry.kind in (EntryKind.AWARD, EntryKind.REVERSAL):
            rule = self.rules.get(entry.rule_key)
            if rule is not None and rule.vote_capped:
                self.vote_earned[entry.user_id] = self.vote_earned.get(entry.user_id, 0) + entry.amount
            if rule is not None and rule.daily_cap is not None:
                self.rule_earned[key[:2]] = self.rule_earned.get(key[:2], 0) + entry.amount
        if entry.amount:
            standing = self.standings[entry.user_id]
            if counts_toward_reputation:
                standing.reputation += entry.amount
                day = (entry.user_id, self.now.astimezone(UTC).date(), entry.category_id or 0)
                self.days[day] = self.days.get(day, 0) + entry.amount
            standing.balance += entry.amount
            self.changed.add(entry.user_id)
        return entry

    # --- Writing ------------------------------------------------------------------------------

    def _flush(self) -> None:
        if self.pending:
            PointsEntry.objects.bulk_create(self.pending)
            self.pending = []

    def write(self) -> None:
        """Store the queued entries, the standings and the daily rollups they moved."""
        self._flush()
        if self.changed:
            changed = [self.standings[pk] for pk in sorted(self.changed)]
            for standing in changed:
                standing.updated_at = self.now
            rows_update(MemberStanding, changed, ["reputation", "balance", "updated_at"])
        if self.days:
            users, days = {user for user, _day, _category in self.days}, {day for _user, day, _category in self.days}
            # The standing locks serialize these members' rollup rows too.
            stored = {
                (row.user_id, row.day, row.category_id): row
                for row in PointsDay.objects.filter(user_id__in=users, day__in=days)
            }
            updated, created = [], []
            for (user, day, category), points in self.days.items():
                row = stored.get((user, day, category))
                if row is None:
                    created.append(PointsDay(user_id=user, day=day, category_id=category, points=points))
                elif points:
                    row.points += points
                    updated.append(row)
            rows_update(PointsDay, updated, ["points"])
            PointsDay.objects.bulk_create(created)
        self.changed, self.days = set(), {}


def _check_lengths(entry: PointsEntry) -> None:
    """The texts a caller passes (cause, note, reason) fit their columns. Everything else
    an entry holds comes from the rules and the ledger itself, so this is all of
    ``full_clean`` that can fail here, at a fraction of its cost per entry."""
    for name in ("cause", "note", "reason", "rule_key"):
        limit = PointsEntry._meta.get_field(name).max_length
        if len(getattr(entry, name)) > limit:
            raise ValidationError({name: f"longer than {limit} characters"})


def _rules_get(keys) -> dict[str, Rule]:
    rules = {rule.key: rule for rule in Rule.objects.filter(key__in=keys)}
    for key in set(keys) - set(rules):
        rules[key] = rule_get(key=key)
    return rules


def points_apply(operations: Iterable[Award | Reversal]) -> list[PointsEntry | None]:
    """Apply awards and reversals in order, as ``points_award`` and ``points_reverse`` would
    one after another, in one transaction and a dozen statements: what activity handlers
    that see every vote on the site use. Returns, for each operation, what it wrote (the
    award, the refusal or the reversal) or None."""
    operations = list(operations)
    if not operations:
        return []
    counterparts = {op.counterpart_id for op in operations if isinstance(op, Award) and op.counterpart_id is not None}
    alive = set(get_user_model().objects.filter(pk__in=counterparts).values_list("pk", flat=True))
    with transaction.atomic(savepoint=False):
        ledger = _LedgerBatch(standings=_standings_lock(op.user_id for op in operations))
        ledger.gone = counterparts - alive
        ledger.load(operations)
        results = [ledger.award(op) if isinstance(op, Award) else ledger.reverse(op) for op in operations]
        ledger.write()
    return results


def points_award(
    *,
    user_id: int,
    rule: str,
    cause: str,
    activity_id: uuid.UUID | None = None,
    counterpart_id: int | None = None,
    category_id: int | None = None,
    amount: int | None = None,
    note: str = "",
) -> PointsEntry | None:
    """Award ``rule``'s points (or ``amount``) to the member for ``cause``.

    Idempotent: at most one live (unreversed) award per (user, rule, cause), and at most one
    entry per (user, rule, activity). Self-awards, unverified voters or authors, linked
    accounts and daily caps turn a positive award into a zero-point "refused" entry with its
    reason; a cap that cuts part of it awards the rest and refuses the excess. Returns the
    entry written (the award, or the refusal), or None when nothing was written (a
    duplicate, a disabled rule, an unknown user).
    """
    # No savepoint inside a caller's transaction (an activity handler's): nothing here is
    # caught and carried on from, and a savepoint costs two round trips per award.
    award = Award(
        user_id=user_id,
        rule=rule,
        cause=cause,
        activity_id=activity_id,
        counterpart_id=counterpart_id,
        category_id=category_id,
        amount=amount,
        note=note,
    )
    return points_apply([award])[0]


def points_reverse(
    *, user_id: int, rule: str, cause: str, reason: str, activity_id: uuid.UUID | None = None
) -> PointsEntry | None:
    """Write the counter-entry of the live award of (user, rule, cause), with ``reason``.
    None when no award is live (never awarded, refused, or reversed already)."""
    return points_apply([Reversal(user_id=user_id, rule=rule, cause=cause, reason=reason, activity_id=activity_id)])[0]


def points_spend(*, user_id: int, amount: int, cause: str, note: str) -> PointsEntry:
    """Spend ``amount`` of the member's balance (never their reputation) for ``cause``.

    Idempotent by cause: spending again for the same cause returns the first spend. Raises
    ``InsufficientPoints`` and writes nothing when the balance is short."""
    if amount <= 0:
        raise ValueError("a spend must be positive")
    with transaction.atomic():
        standing = _standing_lock(user_id)
        if standing is None:
            raise InsufficientPoints(_("No such member."), code="insufficient_points")
        existing = PointsEntry.objects.filter(user_id=user_id, cause=cause, kind=EntryKind.SPEND).first()
        if existing is not None:
            return existing
        if standing.balance < amount:
            raise InsufficientPoints(
                _("Not enough points: %(balance)s available, %(amount)s needed."),
                code="insufficient_points",
                params={"balance": max(0, standing.balance), "amount": amount},
            )
        return _append(
            standing, PointsEntry(user_id=user_id, kind=EntryKind.SPEND, amount=-amount, cause=cause, note=note)
        )


def points_refund(*, user_id: int, cause: str, reason: str) -> PointsEntry | None:
    """Give back the spend made for ``cause``, once; None if there is none or it was refunded."""
    with transaction.atomic():
        standing = _standing_lock(user_id)
        if standing is None:
            return None
        spend = PointsEntry.objects.filter(
            user_id=user_id, cause=cause, kind=EntryKind.SPEND, reversed_by__isnull=True
        ).first()
        if spend is None:
            return None
        return _append(
            standing,
            PointsEntry(
                user_id=user_id,
                kind=EntryKind.REFUND,
                amount=-spend.amount,
                cause=cause,
                reverses=spend,
                reason=reason,
                note=spend.note,
            ),
        )


def leaderboard_opt_out_set(*, user, opt_out: bool) -> None:
    """Hide the member from leaderboards (or show them again)."""
    with transaction.atomic():
        MemberStanding.objects.bulk_create([MemberStanding(user_id=user.pk)], ignore_conflicts=True)
        MemberStanding.objects.filter(pk=user.pk).update(leaderboard_opt_out=opt_out, updated_at=timezone.now())
        cache_versions.move(PAGES_VERSION_KEY)  # pages leave the member out (or show them) at once


def serial_votes_reverse(*, day: date) -> int:
    """Reverse the vote points between every voter and author who met on ``day`` (UTC) on
    at least ``REWARDS_SERIAL_VOTES_PER_DAY`` posts, as Stack Overflow's nightly job does.

    The author's history shows each reversal, the voter's a note that their votes for that
    member were reversed, both with the reason. Idempotent; returns the reversals written."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    vote_rules = list(Rule.objects.filter(vote_capped=True).values_list("key", flat=True))
    votes = PointsEntry.objects.filter(
        rule_key__in=vote_rules,
        kind__in=(EntryKind.AWARD, EntryKind.REFUSED),
        created_at__gte=start,
        created_at__lt=start + timedelta(days=1),
        counterpart__isnull=False,
    ).exclude(counterpart=F("user"))
    pairs = (
        votes.values_list("user_id", "counterpart_id")
        .annotate(posts=Count("cause", distinct=True))
        .filter(posts__gte=settings.REWARDS_SERIAL_VOTES_PER_DAY)
        .order_by("user_id", "counterpart_id")
    )
    written = 0
    for author_id, voter_id, _posts in pairs:
        with transaction.atomic():
            standing = _standing_lock(author_id)
            awards = votes.filter(
                user_id=author_id, counterpart_id=voter_id, kind=EntryKind.AWARD, reversed_by__isnull=True
            ).order_by("id")
            taken = 0
            for award in awards:
                _append(
                    standing,
                    PointsEntry(
                        user_id=author_id,
                        kind=EntryKind.REVERSAL,
                        amount=-award.amount,
                        rule_key=award.rule_key,
                        cause=award.cause,
                        counterpart_id=voter_id,
                        category_id=award.category_id,
                        reverses=award,
                        reason=REASON_SERIAL,
                    ),
                )
                taken += award.amount
                written += 1
        with transaction.atomic():
            voter = _standing_lock(voter_id)
            cause = f"serial:{author_id}:{day.isoformat()}"
            if voter is not None and not PointsEntry.objects.filter(user_id=voter_id, cause=cause).exists():
                _append(
                    voter,
                    PointsEntry(
                        user_id=voter_id,
                        kind=EntryKind.REFUSED,
                        amount=0,
                        cause=cause,
                        counterpart_id=author_id,
                        reason=REASON_SERIAL,
                        withheld=taken,
                    ),
                )
    return written
