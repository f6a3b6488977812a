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
from portal.shipped import shipped_register

from .leaderboards import PAGES_VERSION_KEY
from .linked import accounts_linked
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
    standing = MemberStanding.objects.select_for_update().filter(pk=user_id).first()
    if standing is not None:
        return standing
    if not get_user_model().objects.filter(pk=user_id).exists():
        return None
    MemberStanding.objects.bulk_create([MemberStanding(user_id=user_id)], ignore_conflicts=True)
    return MemberStanding.objects.select_for_update().get(pk=user_id)


def _append(standing: MemberStanding, entry: PointsEntry) -> PointsEntry:
    """Write one entry and the sums it changes (the caller holds the standing lock)."""
    entry.created_at = timezone.now()
    entry.full_clean(exclude=["user", "counterpart", "reverses"], validate_unique=False, validate_constraints=False)
    entry.save()
    counts_toward_reputation = entry.kind in (EntryKind.AWARD, EntryKind.REVERSAL, EntryKind.REFUSED)
    if entry.amount:
        if counts_toward_reputation:
            standing.reputation += entry.amount
        standing.balance += entry.amount
        standing.save(update_fields=["reputation", "balance", "updated_at"])
        if counts_toward_reputation:
            day = entry.created_at.astimezone(UTC).date()
            category = entry.category_id or 0
            rollup = PointsDay.objects.filter(user_id=entry.user_id, day=day, category_id=category)
            # The standing lock serializes this member's rollup rows too.
            if not rollup.update(points=F("points") + entry.amount):
                PointsDay.objects.create(user_id=entry.user_id, day=day, category_id=category, points=entry.amount)
    return entry


def _live_award(*, user_id: int, rule: str, cause: str) -> PointsEntry | None:
    return (
        PointsEntry.objects.filter(
            user_id=user_id, rule_key=rule, cause=cause, kind=EntryKind.AWARD, reversed_by__isnull=True
        )
        .order_by("-id")
        .first()
    )


def _earned_today(*, user_id: int, rule_keys, now: datetime) -> int:
    total = PointsEntry.objects.filter(
        user_id=user_id,
        rule_key__in=rule_keys,
        kind__in=(EntryKind.AWARD, EntryKind.REVERSAL),
        created_at__gte=_utc_day_start(now),
    ).aggregate(total=Sum("amount"))["total"]
    return total or 0


def _refusal(*, rule: Rule, user_id: int, counterpart_id: int | None) -> str | None:
    """Why an award between these members must not count, if it must not."""
    if counterpart_id is None:
        return None
    if counterpart_id == user_id:
        return REASON_SELF
    if rule.vote_capped and len(email_verified_ids(user_ids=(user_id, counterpart_id))) < 2:
        return REASON_UNVERIFIED
    if accounts_linked(user_id=user_id, other_id=counterpart_id):
        return REASON_LINKED
    return None


def _cap(*, rule: Rule, user_id: int, points: int) -> tuple[int, str]:
    """How many of ``points`` still fit under today's caps, and the cap that cut them."""
    now = timezone.now()
    allowed, reason = points, ""
    if rule.daily_cap is not None:
        left = max(0, rule.daily_cap - _earned_today(user_id=user_id, rule_keys=[rule.key], now=now))
        if left < allowed:
            allowed, reason = left, REASON_RULE_CAP
    if rule.vote_capped:
        capped_keys = Rule.objects.filter(vote_capped=True).values("key")
        left = max(0, settings.REWARDS_VOTE_DAILY_CAP - _earned_today(user_id=user_id, rule_keys=capped_keys, now=now))
        if left < allowed:
            allowed, reason = left, REASON_VOTE_CAP
    return allowed, reason


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
    with transaction.atomic(savepoint=False):
        rule_row = rule_get(key=rule)
        if not rule_row.enabled:
            return None
        standing = _standing_lock(user_id)
        if standing is None:
            return None
        # Already written for this activity, or the cause holds a live award: one query.
        duplicate = Q(cause=cause, kind=EntryKind.AWARD, reversed_by__isnull=True)
        if activity_id is not None:
            duplicate |= Q(activity_id=activity_id, kind__in=(EntryKind.AWARD, EntryKind.REFUSED))
        if PointsEntry.objects.filter(duplicate, user_id=user_id, rule_key=rule).exists():
            return None
        points = rule_row.points if amount is None else amount
        fields = {
            "user_id": user_id,
            "rule_key": rule,
            "cause": cause,
            "activity_id": activity_id,
            "counterpart_id": counterpart_id,
            "category_id": category_id,
            "note": note,
        }
        if points <= 0:  # penalties are never refused or capped
            return _append(standing, PointsEntry(kind=EntryKind.AWARD, amount=points, **fields))
        refusal = _refusal(rule=rule_row, user_id=user_id, counterpart_id=counterpart_id)
        if refusal:
            return _append(
                standing, PointsEntry(kind=EntryKind.REFUSED, amount=0, reason=refusal, withheld=points, **fields)
            )
        allowed, cap_reason = _cap(rule=rule_row, user_id=user_id, points=points)
        if allowed == 0:
            return _append(
                standing, PointsEntry(kind=EntryKind.REFUSED, amount=0, reason=cap_reason, withheld=points, **fields)
            )
        award = _append(standing, PointsEntry(kind=EntryKind.AWARD, amount=allowed, **fields))
        if allowed < points:
            _append(
                standing,
                PointsEntry(kind=EntryKind.REFUSED, amount=0, reason=cap_reason, withheld=points - allowed, **fields),
            )
        return award


def points_reverse(
    *, user_id: int, rule: str, cause: str, reason: str, activity_id: uuid.UUID | None = None
) -> PointsEntry | None:
    """Write the counter-entry of the live award of (user, rule, cause), with ``reason``.
    None when no award is live (never awarded, refused, or reversed already)."""
    with transaction.atomic(savepoint=False):
        standing = _standing_lock(user_id)
        if standing is None:
            return None
        if (
            activity_id is not None
            and PointsEntry.objects.filter(
                user_id=user_id, rule_key=rule, activity_id=activity_id, kind=EntryKind.REVERSAL
            ).exists()
        ):
            return None
        award = _live_award(user_id=user_id, rule=rule, cause=cause)
        if award is None:
            return None
        return _append(
            standing,
            PointsEntry(
                user_id=user_id,
                kind=EntryKind.REVERSAL,
                amount=-award.amount,
                rule_key=rule,
                cause=cause,
                activity_id=activity_id,
                counterpart_id=award.counterpart_id,
                category_id=award.category_id,
                reverses=award,
                reason=reason,
            ),
        )


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
