"""Reads for the badge pages, the profile section and the honors' nomination list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone

from .definitions import BADGES, GRADE_ORDER, BadgeDefinition, Grade, badge_definition
from .models import Badge, BadgeAward, Honor, HonorKind, MemberTally
from .services import badge_rows


@dataclass(frozen=True)
class BadgeEntry:
    """A badge as a page shows it: how many hold it, and what the viewer has of it."""

    definition: BadgeDefinition
    row: Badge
    holders: int
    earned_at: datetime | None = None  # the viewer's first
    earned_times: int = 0
    progress: int | None = None  # the viewer's counter, for member badges

    @property
    def slug(self) -> str:
        return self.definition.slug

    @property
    def progress_shown(self) -> int | None:
        if self.progress is None:
            return None
        return min(self.progress, self.definition.threshold)


@dataclass
class GradeGroup:
    grade: Grade
    entries: list[BadgeEntry] = field(default_factory=list)


def badge_catalogue(*, viewer) -> list[GradeGroup]:
    """Every badge that is awarded now, by grade, with its holder count and the viewer's own
    (three queries however many badges and holders)."""
    rows = badge_rows()
    holders = dict(
        BadgeAward.objects.filter(user__is_active=True)
        .values("badge_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("badge_id", "n")
    )
    mine: dict[int, tuple[datetime, int]] = {}
    tally = None
    if viewer.is_authenticated:
        mine = {
            row["badge_id"]: (row["first"], row["times"])
            for row in BadgeAward.objects.filter(user=viewer)
            .values("badge_id")
            .annotate(first=Min("awarded_at"), times=Count("id"))
        }
        tally = MemberTally.objects.filter(user=viewer).first()
    groups = {grade: GradeGroup(grade=grade) for grade in GRADE_ORDER}
    for definition in BADGES:
        row = rows[definition.slug]
        if not row.enabled:
            continue
        earned_at, times = mine.get(row.pk, (None, 0))
        progress = None
        if viewer.is_authenticated and not definition.per_post:
            progress = getattr(tally, definition.counter, 0) if tally is not None else 0
        groups[definition.grade].entries.append(
            BadgeEntry(
                definition=definition,
                row=row,
                holders=holders.get(row.pk, 0),
                earned_at=earned_at,
                earned_times=times,
                progress=progress,
            )
        )
    return [group for group in groups.values() if group.entries]


def badge_get(*, slug: str) -> tuple[BadgeDefinition, Badge]:
    """A badge defined in code, with its row; Http404 for any other slug."""
    from django.http import Http404

    definition = badge_definition(slug)
    if definition is None:
        raise Http404
    return definition, badge_rows()[slug]


def badge_holders(*, badge: Badge) -> QuerySet[BadgeAward]:
    """Who earned ``badge`` and when, newest first (active accounts only)."""
    return (
        BadgeAward.objects.filter(badge=badge, user__is_active=True)
        .select_related("user__profile")
        .order_by("-awarded_at", "-id")
    )


def badge_holder_count(*, badge: Badge) -> int:
    return BadgeAward.objects.filter(badge=badge, user__is_active=True).values("user_id").distinct().count()


@dataclass(frozen=True)
class HeldBadge:
    definition: BadgeDefinition
    times: int
    last_awarded_at: datetime


@dataclass(frozen=True)
class MemberBadges:
    badges: list[HeldBadge]
    honors: list[Honor]

    @property
    def is_empty(self) -> bool:
        return not self.badges and not self.honors

    def count(self, grade: str) -> int:
        return sum(held.times for held in self.badges if held.definition.grade == grade)

    @property
    def grade_counts(self) -> list[tuple[Grade, int]]:
        return [(grade, self.count(grade)) for grade in reversed(GRADE_ORDER) if self.count(grade)]


def member_badges(*, user) -> MemberBadges:
    """A member's badges (one line per badge, most precious first) and honors: two queries."""
    rows = (
        BadgeAward.objects.filter(user=user)
        .values("badge__slug")
        .annotate(times=Count("id"), last=Max("awarded_at"))
        .order_by()
    )
    held = []
    for row in rows:
        definition = badge_definition(row["badge__slug"])
        if definition is not None:
            held.append(HeldBadge(definition=definition, times=row["times"], last_awarded_at=row["last"]))
    rank = {grade: position for position, grade in enumerate(reversed(GRADE_ORDER))}
    held.sort(key=lambda h: (rank[h.definition.grade], -h.last_awarded_at.timestamp()))
    honors = list(Honor.objects.filter(user=user).select_related("kind").order_by("-awarded_at"))
    return MemberBadges(badges=held, honors=honors)


def honors_list() -> QuerySet[Honor]:
    """Every honor, newest first, with the member and the kind (active accounts only)."""
    return (
        Honor.objects.filter(user__is_active=True)
        .select_related("user__profile", "kind", "awarded_by__profile")
        .order_by("-awarded_at", "-id")
    )


def honor_kinds(*, active_only: bool = True) -> QuerySet[HonorKind]:
    kinds = HonorKind.objects.all()
    return kinds.filter(active=True) if active_only else kinds


@dataclass(frozen=True)
class Nominee:
    user: object  # with its profile
    points: int
    accepted: int


NOMINATION_DAYS = 30


def nominations(*, days: int = NOMINATION_DAYS, limit: int = 25, now: datetime | None = None) -> list[Nominee]:
    """Top earners of the ledger over the last ``days`` days, with their accepted answers:
    managers' nomination list for honors (the ledger's two queries and two of ours)."""
    from community.rewards.selectors import points_earned_between

    end = now or timezone.now()
    earners = points_earned_between(start=end - timedelta(days=days), end=end, limit=limit)
    ids = [earner.user_id for earner in earners]
    users = get_user_model().objects.select_related("profile").filter(is_active=True).in_bulk(ids)
    accepted = dict(MemberTally.objects.filter(user_id__in=ids).values_list("user_id", "accepted"))
    return [
        Nominee(user=users[earner.user_id], points=earner.points, accepted=accepted.get(earner.user_id, 0))
        for earner in earners
        if earner.user_id in users
    ]
