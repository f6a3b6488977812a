"""Reads of the points ledger."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.shipped import shipped_translate

from .models import EntryKind, MemberStanding, PointsDay, PointsEntry, Rule
from .rules import rule_defaults


@dataclass(frozen=True)
class Standing:
    user_id: int
    reputation: int
    balance: int


def _standing(user_id: int, reputation: int, balance: int) -> Standing:
    # Downvotes and penalties may take the sums below zero; members see zero.
    return Standing(user_id=user_id, reputation=max(0, reputation), balance=max(0, balance))


def standing_of(*, user_id: int) -> Standing:
    """The member's reputation and spendable balance (zeros before their first entry); one query."""
    row = MemberStanding.objects.filter(pk=user_id).values_list("reputation", "balance").first()
    return _standing(user_id, *(row or (0, 0)))


def standings_of(*, user_ids: Iterable[int]) -> dict[int, Standing]:
    """Standings of many members in one query; every id asked for is in the result."""
    ids = set(user_ids)
    if not ids:
        return {}
    rows = MemberStanding.objects.filter(pk__in=ids).values_list("user_id", "reputation", "balance")
    found = {user_id: _standing(user_id, reputation, balance) for user_id, reputation, balance in rows}
    return {user_id: found.get(user_id) or _standing(user_id, 0, 0) for user_id in ids}


def leaderboard_opted_out(*, user_id: int) -> bool:
    return MemberStanding.objects.filter(pk=user_id, leaderboard_opt_out=True).exists()


def points_entries_for_user(*, user) -> QuerySet[PointsEntry]:
    """The member's ledger, newest first (awards, reversals, refusals, spends, refunds)."""
    return PointsEntry.objects.filter(user=user).order_by("-created_at", "-id")


@dataclass(frozen=True)
class Earner:
    user: object
    points: int

    @property
    def user_id(self) -> int:
        return self.user.pk


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    return value


def points_earned_between(*, start: date | datetime, end: date | datetime, limit: int = 50) -> list[Earner]:
    """The members who earned the most reputation from ``start`` to ``end`` (UTC days,
    both included), most first: managers' nomination list. Two queries, from the daily
    rollups, never the ledger."""
    rows = list(
        PointsDay.objects.filter(day__gte=_as_date(start), day__lte=_as_date(end))
        .values("user_id")
        .annotate(total=Sum("points"))
        .filter(total__gt=0)
        .order_by("-total", "user_id")[:limit]
    )
    users = get_user_model().objects.in_bulk([row["user_id"] for row in rows])
    return [Earner(user=users[row["user_id"]], points=row["total"]) for row in rows if row["user_id"] in users]


@dataclass(frozen=True)
class EntryRow:
    """A ledger entry as a member reads it: what it was for and why, in their language."""

    entry: PointsEntry
    label: str
    reason: str


def entries_described(entries: Iterable[PointsEntry]) -> list[EntryRow]:
    """Rows for a history page: each entry with its rule's name and its reason translated
    (one query for the rules' names, however many entries)."""
    entries = list(entries)
    keys = {entry.rule_key for entry in entries if entry.rule_key}
    names = dict(Rule.objects.filter(key__in=keys).values_list("key", "name")) if keys else {}
    rows = []
    for entry in entries:
        if entry.rule_key:
            label = shipped_translate(names.get(entry.rule_key) or entry.rule_key)
            if entry.note:
                label = f"{label}: {shipped_translate(entry.note)}"
        elif entry.note:  # a spend or refund says what it was for (a bounty, a store item)
            label = shipped_translate(entry.note)
        elif entry.kind == EntryKind.SPEND:
            label = _("Points spent")
        elif entry.kind == EntryKind.REFUND:
            label = _("Points refunded")
        else:
            label = _("Votes reversed") if entry.cause.startswith("serial:") else entry.get_kind_display()
        reason = shipped_translate(entry.reason)
        if entry.kind == EntryKind.REFUSED and entry.withheld:
            points = ngettext("%(points)s point not counted.", "%(points)s points not counted.", entry.withheld) % {
                "points": entry.withheld
            }
            reason = f"{reason} {points}" if reason else points
        rows.append(EntryRow(entry=entry, label=label, reason=reason))
    return rows


@dataclass(frozen=True)
class RuleView:
    """A rule as it applies now: the managers' values, or its defaults before its first use."""

    key: str
    name: str
    points: int
    daily_cap: int | None
    vote_capped: bool
    enabled: bool
    amount_given: bool  # paid what each award gives (bounties), not ``points``


def rules_current() -> list[RuleView]:
    """Every known rule, in the order they were registered; one query."""
    rows = {rule.key: rule for rule in Rule.objects.all()}
    result = []
    for default in rule_defaults():
        row = rows.pop(default.key, None)
        source = row or default
        result.append(
            RuleView(
                key=default.key,
                name=row.name if row else default.description,
                points=source.points,
                daily_cap=source.daily_cap,
                vote_capped=source.vote_capped,
                enabled=row.enabled if row else True,
                amount_given=default.points == 0,
            )
        )
    # Rows whose code is gone (an app removed) keep applying to nothing: not listed.
    return result


def vote_daily_cap() -> int:
    """At most this many points a day from votes (``REWARDS_VOTE_DAILY_CAP``)."""
    return settings.REWARDS_VOTE_DAILY_CAP
