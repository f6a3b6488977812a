"""Reads of trust levels: a member's level and privileges (what the forums enforce), the
settings, and the progress a member sees towards the next level.

``trust_level_of`` and ``privileges_of`` run on every post and thread page, so they cost
no query in the common case: the level is cached per member under a version that every
change of it moves (``portal.cache_versions``), the settings once for everyone, and both
are kept on the user object for the rest of the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from portal import cache_versions

from .config import PRIVILEGES, REQUIREMENTS, SETTING_DEFAULTS, Requirement
from .levels import AUTOMATIC_LEVELS, Level
from .models import LevelChange, MemberDay, MemberTrust, TrustSetting

__all__ = [
    "Level",
    "LevelProgress",
    "Privileges",
    "RequirementProgress",
    "level_changes_for_user",
    "level_progress",
    "levels_overview",
    "member_trust_get",
    "privilege_level",
    "privileges_of",
    "trust_level_of",
    "trust_settings",
]

CACHE_TTL = 300
SETTINGS_KEY = "trust:settings:v1"
SETTINGS_VERSION_KEY = "trust:settings:version"


def level_version_key(user_id: int) -> str:
    return f"trust:level:version:{user_id}"


# --- Settings ------------------------------------------------------------------------------------------


def trust_settings() -> dict[str, int]:
    """Every setting's value: the managers' where they set one, the default otherwise."""

    def read() -> dict[str, int]:
        values = {key: row.default for key, row in SETTING_DEFAULTS.items()}
        for key, value in TrustSetting.objects.filter(value__isnull=False).values_list("key", "value"):
            if key in values:
                values[key] = value
        return values

    return cache_versions.get_or_compute(SETTINGS_KEY, [SETTINGS_VERSION_KEY], read, CACHE_TTL)


# --- Levels and privileges -----------------------------------------------------------------------------


def _is_staff_or_moderator(user) -> bool:
    # The forums' moderators hold this permission; staff and moderators count as leaders.
    return bool(user.is_staff or user.has_perm("forums.moderate_post"))


def trust_level_of(*, user) -> int:
    """The member's level (a ``Level`` value); staff and moderators count as LEADER,
    visitors as NEW."""
    if not getattr(user, "is_authenticated", False):
        return Level.NEW
    cached = getattr(user, "_trust_level", None)
    if cached is not None:
        return cached
    if _is_staff_or_moderator(user):
        level = Level.LEADER
    else:

        def read() -> int:
            stored = MemberTrust.objects.filter(user_id=user.pk).values_list("level", flat=True).first()
            return int(stored) if stored is not None else int(Level.NEW)

        level = cache_versions.get_or_compute(
            f"trust:level:v1:{user.pk}", [level_version_key(user.pk)], read, CACHE_TTL
        )
    user._trust_level = Level(level)
    return user._trust_level


@dataclass(frozen=True)
class Privileges:
    """What a member's level lets them do in the forums (None: no limit)."""

    level: int
    posts_per_hour: int | None
    max_links: int | None
    max_images: int | None
    can_downvote: bool
    flag_weight: int
    can_retag: bool
    can_edit_wiki: bool
    can_make_wiki: bool
    can_close_duplicates: bool
    can_offer_bounty: bool


def privilege_level(name: str) -> Level:
    """The lowest level holding a privilege (``downvote``, ``retag``, ``edit_wiki``,
    ``make_wiki``, ``close_duplicates``, ``offer_bounty``), as managers set it."""
    if name not in PRIVILEGES:
        raise KeyError(name)
    return Level(min(max(trust_settings()[f"privilege.{name}"], Level.NEW), Level.LEADER))


def privileges_for_level(level: int) -> Privileges:
    values = trust_settings()

    def holds(name: str) -> bool:
        return level >= values[f"privilege.{name}"]

    new = level == Level.NEW
    per_hour = values["new.posts_per_hour"]
    return Privileges(
        level=int(level),
        posts_per_hour=(per_hour or None) if new else None,
        max_links=max(values["new.max_links"], 0) if new else None,
        max_images=max(values["new.max_images"], 0) if new else None,
        can_downvote=holds("downvote"),
        flag_weight=max(values[f"flag_weight.{Level(level).slug}"], 0),
        can_retag=holds("retag"),
        can_edit_wiki=holds("edit_wiki"),
        can_make_wiki=holds("make_wiki"),
        can_close_duplicates=holds("close_duplicates"),
        can_offer_bounty=holds("offer_bounty"),
    )


def privileges_of(*, user) -> Privileges:
    """What this member may do; a visitor holds nothing."""
    if not getattr(user, "is_authenticated", False):
        return Privileges(
            level=Level.NEW,
            posts_per_hour=0,
            max_links=0,
            max_images=0,
            can_downvote=False,
            flag_weight=0,
            can_retag=False,
            can_edit_wiki=False,
            can_make_wiki=False,
            can_close_duplicates=False,
            can_offer_bounty=False,
        )
    cached = getattr(user, "_trust_privileges", None)
    if cached is None:
        cached = user._trust_privileges = privileges_for_level(trust_level_of(user=user))
    return cached


def member_trust_get(*, user) -> MemberTrust | None:
    return MemberTrust.objects.filter(user_id=user.pk).first()


def level_changes_for_user(*, user, limit: int = 20):
    return LevelChange.objects.filter(user_id=user.pk).select_related("changed_by__profile")[:limit]


# --- Requirements and progress -------------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementProgress:
    name: str
    label: str
    unit: str
    current: int | None  # None: never suspended (for no_suspension_days)
    needed: int
    met: bool

    @property
    def percent(self) -> int:
        if self.met or not self.needed:
            return 100
        return max(0, min(99, int(100 * (self.current or 0) / self.needed)))


@dataclass(frozen=True)
class MemberStats:
    """The counters a level's requirements compare (lifetime, or over a window)."""

    days_visited: int = 0
    topics_entered: int = 0
    posts_read: int = 0
    seconds_reading: int = 0
    likes_given: int = 0
    likes_received: int = 0
    replies_posted: int = 0
    last_suspended_at: datetime | None = None

    @property
    def minutes_reading(self) -> int:
        return self.seconds_reading // 60


def stats_lifetime(trust: MemberTrust | None) -> MemberStats:
    if trust is None:
        return MemberStats()
    return MemberStats(
        days_visited=trust.days_visited,
        topics_entered=trust.topics_entered,
        posts_read=trust.posts_read,
        seconds_reading=trust.seconds_reading,
        likes_given=trust.likes_given,
        likes_received=trust.likes_received,
        replies_posted=trust.replies_posted,
        last_suspended_at=trust.last_suspended_at,
    )


def window_start(*, days: int, today: date | None = None) -> date:
    today = today or timezone.now().date()
    return today - timedelta(days=max(days, 1) - 1)


def stats_window(*, user_id: int, days: int, last_suspended_at=None, today: date | None = None) -> MemberStats:
    """The member's counters over the last `days` days (UTC), today included: one query."""
    totals = MemberDay.objects.filter(user_id=user_id, day__gte=window_start(days=days, today=today)).aggregate(
        days_visited=Count("pk", filter=Q(visited=True)),
        topics_entered=Sum("topics_entered"),
        posts_read=Sum("posts_read"),
        seconds_reading=Sum("seconds_reading"),
        likes_given=Sum("likes_given"),
        likes_received=Sum("likes_received"),
        replies_posted=Sum("replies_posted"),
    )
    return MemberStats(
        **{name: max(value or 0, 0) for name, value in totals.items()}, last_suspended_at=last_suspended_at
    )


def requirements_of(
    *, level: Level, stats: MemberStats, reputation=None, now: datetime | None = None
) -> list[RequirementProgress]:
    """Each requirement `level` has (those set above 0), with the member's figure.

    `reputation` is a number or a callable returning one (read only when the level
    requires reputation)."""
    values = trust_settings()
    now = now or timezone.now()
    rows = []
    for requirement in REQUIREMENTS:
        needed = values.get(f"{level.slug}.{requirement.name}", 0)
        if needed <= 0:
            continue
        rows.append(_requirement_row(requirement, needed, stats, reputation, now))
    return rows


def _requirement_row(requirement: Requirement, needed: int, stats: MemberStats, reputation, now) -> RequirementProgress:
    if requirement.name == "no_suspension_days":
        if stats.last_suspended_at is None:
            current, met = None, True
        else:
            current = max((now - stats.last_suspended_at).days, 0)
            met = current >= needed
    elif requirement.name == "reputation":
        current = int((reputation() if callable(reputation) else reputation) or 0)
        met = current >= needed
    else:
        current = int(getattr(stats, requirement.name))
        met = current >= needed
    return RequirementProgress(
        name=requirement.name,
        label=str(requirement.label),
        unit=str(requirement.unit),
        current=current,
        needed=needed,
        met=met,
    )


def reputation_of(*, user_id: int) -> int:
    """The member's reputation from the rewards ledger."""
    from community.rewards.selectors import standing_of

    return max(int(standing_of(user_id=user_id).reputation), 0)


@dataclass(frozen=True)
class LevelProgress:
    level: Level
    locked: bool
    # The level the requirements below lead to (None at leader, or for staff); for a
    # regular, the requirements they must keep meeting over the window.
    next_level: Level | None
    keeping: bool
    window_days: int | None
    requirements: list[RequirementProgress]

    @property
    def met(self) -> int:
        return sum(1 for row in self.requirements if row.met)


def level_progress(*, user, reputation: int | None = None) -> LevelProgress:
    """Where the member stands: their level and each requirement of the next one (or,
    for a regular, of keeping the level), with their current and needed figures.

    One query for the member's row, one more for the window when the next level is
    regular, and the ledger's standing unless the caller has `reputation` already."""
    trust = member_trust_get(user=user)
    level = Level.LEADER if _is_staff_or_moderator(user) else Level(trust.level if trust else Level.NEW)
    locked = bool(trust and trust.locked)
    if level == Level.LEADER or locked:
        return LevelProgress(level, locked, None, False, None, [])
    target = Level(level + 1) if level < Level.REGULAR else Level.REGULAR
    keeping = level == Level.REGULAR
    window = None
    if target == Level.REGULAR:
        window = trust_settings()["regular.window_days"]
        stats = stats_window(user_id=user.pk, days=window, last_suspended_at=trust and trust.last_suspended_at)
    else:
        stats = stats_lifetime(trust)
    if reputation is None:
        rows = requirements_of(level=target, stats=stats, reputation=lambda: reputation_of(user_id=user.pk))
    else:
        rows = requirements_of(level=target, stats=stats, reputation=max(int(reputation), 0))
    return LevelProgress(level, locked, target, keeping, window, rows)


@dataclass(frozen=True)
class LevelInfo:
    level: Level
    automatic: bool
    privileges: list[str]
    requirements: list[tuple[str, int, str]]  # label, needed, unit
    window_days: int | None
    flag_weight: int
    # At NEW: (posts an hour or 0 for no limit, links, images) a post may hold.
    limits: tuple[int, int, int] | None = None


def levels_overview() -> list[LevelInfo]:
    """Every level: what it unlocks (beyond the level below) and what reaching it needs."""
    values = trust_settings()
    rows = []
    for level in Level:
        unlocked = [str(label) for name, (_default, label) in PRIVILEGES.items() if privilege_level(name) == level]
        requirements = []
        if level in AUTOMATIC_LEVELS:
            for requirement in REQUIREMENTS:
                needed = values.get(f"{level.slug}.{requirement.name}", 0)
                if needed > 0:
                    requirements.append((str(requirement.label), needed, str(requirement.unit)))
        rows.append(
            LevelInfo(
                level=level,
                automatic=level in AUTOMATIC_LEVELS,
                privileges=unlocked,
                requirements=requirements,
                window_days=values["regular.window_days"] if level == Level.REGULAR else None,
                flag_weight=values[f"flag_weight.{level.slug}"],
                limits=(values["new.posts_per_hour"], values["new.max_links"], values["new.max_images"])
                if level == Level.NEW
                else None,
            )
        )
    return rows
