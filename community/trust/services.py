"""Writes of trust levels: the counters kept from activities, promotion and demotion,
managers' grants and locks, and the settings.

Counters change only in the activity handlers (handlers.py), each once per activity.
After a counter changes the member is evaluated (``member_evaluate``): promoted to the
highest automatic level whose requirements they meet (never demoted there); the daily
task (``members_evaluate_daily``) also demotes a regular who stopped meeting the
requirements over the window. Leaders are made and unmade by managers only; a level a
manager locked is never changed automatically. Every change records
``rewards.level.changed`` (on which the notifications app tells the member of a promotion).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.activity.services import activity_record
from portal import cache_versions
from portal.bulk import rows_locked, rows_update

from .config import REQUIREMENTS, SETTING_DEFAULTS
from .levels import AUTOMATIC_LEVELS, Level
from .models import LevelChange, LevelChangeReason, MemberDay, MemberTrust, TrustSetting
from .selectors import (
    SETTINGS_VERSION_KEY,
    MemberStats,
    level_version_key,
    reputation_of,
    stats_lifetime,
    stats_window,
    trust_settings,
)

# What one activity may add, whatever a client reports (the forums cap them first).
MAX_POSTS_READ_PER_ACTIVITY = 1000
MAX_SECONDS_PER_ACTIVITY = 3600


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


# --- Counters (from activities) ----------------------------------------------------------------------


def _member_row(*, user_id: int) -> bool:
    """The member's row, created on their first counted activity; False for an account
    deleted since the activity (its counters went with it)."""
    if MemberTrust.objects.filter(user_id=user_id).exists():
        return True
    if not get_user_model().objects.filter(pk=user_id).exists():
        return False
    MemberTrust.objects.get_or_create(user_id=user_id)
    return True


def _rows(*, user_id: int, day: date) -> bool:
    if not _member_row(user_id=user_id):
        return False
    MemberDay.objects.get_or_create(user_id=user_id, day=day)
    return True


def _add(*, user_id: int, day: date, **amounts: int) -> None:
    """Add to the member's lifetime and daily counters (lifetime ones never below zero)."""
    _add_many([(user_id, day, amounts)])


def stats_visit_record(*, user_id: int, day: date) -> bool:
    """The member visited on `day`; counted once a day. Returns whether it was new."""
    if not _rows(user_id=user_id, day=day):
        return False
    if not MemberDay.objects.filter(user_id=user_id, day=day, visited=False).update(visited=True):
        return False
    MemberTrust.objects.filter(user_id=user_id).update(days_visited=F("days_visited") + 1)
    return True


def stats_read_record(*, user_id: int, day: date, first_visit: bool, posts_read: int, seconds: int) -> None:
    """A thread read: a first visit enters a topic; posts and seconds add up."""
    _add(
        user_id=user_id,
        day=day,
        topics_entered=1 if first_visit else 0,
        posts_read=min(max(int(posts_read), 0), MAX_POSTS_READ_PER_ACTIVITY),
        seconds_reading=min(max(int(seconds), 0), MAX_SECONDS_PER_ACTIVITY),
    )


def stats_like_record(*, voter_id: int | None, author_id: int | None, day: date, delta: int) -> None:
    """An upvote given (+1) or withdrawn (-1): the voter's given, the author's received."""
    stats_likes_record(likes=[(voter_id, author_id, day, delta)])


def stats_likes_record(*, likes: Iterable[tuple[int | None, int | None, date, int]]) -> None:
    """Upvotes given and withdrawn, many at once: (voter, author, day, +1 or -1) each, in
    order, as ``stats_like_record`` one after another, in a handful of statements however
    many there are."""
    moves = []
    for voter_id, author_id, day, delta in likes:
        moves += [(voter_id, day, {"likes_given": delta}), (author_id, day, {"likes_received": delta})]
    _add_many([move for move in moves if move[0] is not None])


def _add_many(moves: list[tuple[int, date, dict[str, int]]]) -> None:
    """Add to members' lifetime counters (never below zero, at any step) and daily ones,
    one (member, day, amounts) after another, in order: rows created where missing, the
    members' rows locked in id order (two consumers never deadlock), then one write per
    table."""
    moves = [(user, day, {f: a for f, a in fields.items() if a}) for user, day, fields in moves]
    moves = [move for move in moves if move[2]]
    if not moves:
        return
    trusts = rows_locked(
        MemberTrust,
        field="user",
        keys={user for user, _day, _fields in moves},
        create=lambda missing: [
            MemberTrust(user_id=pk)
            for pk in get_user_model().objects.filter(pk__in=missing).values_list("pk", flat=True)
        ],
    )
    moves = [move for move in moves if move[0] in trusts]  # accounts deleted since
    if not moves:
        return
    names = sorted({name for _user, _day, fields in moves for name in fields})
    pairs = {(user, day) for user, day, _fields in moves}
    days_of = MemberDay.objects.filter(user_id__in=trusts, day__in={day for _user, day in pairs})
    days = {(row.user_id, row.day): row for row in days_of if (row.user_id, row.day) in pairs}
    if len(days) < len(pairs):
        new = [MemberDay(user_id=user, day=day) for user, day in pairs if (user, day) not in days]
        MemberDay.objects.bulk_create(new, ignore_conflicts=True)
        days = {(row.user_id, row.day): row for row in days_of.all() if (row.user_id, row.day) in pairs}
    for user, day, fields in moves:
        for name, amount in fields.items():
            setattr(trusts[user], name, max(getattr(trusts[user], name) + amount, 0))
            setattr(days[(user, day)], name, getattr(days[(user, day)], name) + amount)
    rows_update(MemberTrust, list(trusts.values()), names)
    rows_update(MemberDay, list(days.values()), names)


def stats_reply_record(*, user_id: int, day: date) -> None:
    _add(user_id=user_id, day=day, replies_posted=1)


def stats_suspension_record(*, user_id: int, at: datetime) -> None:
    """The forums suspended the member at `at` (the latest suspension is kept)."""
    if _member_row(user_id=user_id):
        MemberTrust.objects.filter(user_id=user_id).exclude(last_suspended_at__gte=at).update(last_suspended_at=at)


# --- Evaluation ----------------------------------------------------------------------------------------


def _meets(level: Level, stats: MemberStats, reputation: Callable[[], int], now: datetime, values: dict) -> bool:
    """Whether the member meets every requirement of `level` (reputation, which reads the
    ledger, is looked at last); ``values``: the settings (``trust_settings()``)."""
    ordered = sorted(REQUIREMENTS, key=lambda r: r.name == "reputation")
    for requirement in ordered:
        needed = values.get(f"{level.slug}.{requirement.name}", 0)
        if needed <= 0:
            continue
        if requirement.name == "reputation":
            current = reputation()
        elif requirement.name == "no_suspension_days":
            if stats.last_suspended_at is None:
                continue
            current = (now - stats.last_suspended_at).days
        else:
            current = getattr(stats, requirement.name)
        if current < needed:
            return False
    return True


def level_reached(*, trust: MemberTrust, now: datetime | None = None, values: dict | None = None) -> Level:
    """The highest automatic level whose requirements, and those of every level below,
    the member meets now (basic and member over their whole history, regular over the
    window)."""
    now = now or timezone.now()
    values = values or trust_settings()
    memo: dict[str, int] = {}

    def reputation() -> int:
        if "value" not in memo:
            memo["value"] = reputation_of(user_id=trust.user_id)
        return memo["value"]

    lifetime = stats_lifetime(trust)
    reached = Level.NEW
    for level in (Level.BASIC, Level.MEMBER):
        if not _meets(level, lifetime, reputation, now, values):
            return reached
        reached = level
    window = stats_window(
        user_id=trust.user_id,
        days=values["regular.window_days"],
        last_suspended_at=trust.last_suspended_at,
        today=utc_day(now),
    )
    return Level.REGULAR if _meets(Level.REGULAR, window, reputation, now, values) else reached


def members_evaluate(*, user_ids: Iterable[int], moved: Iterable[str] = (), now: datetime | None = None) -> int:
    """Promote each of these members to the level they reached (``member_evaluate`` for
    many: their rows locked and read in one statement). Returns how many were promoted.

    ``moved``: the requirements that changed (``likes_given``, ...). A member is evaluated
    on every change of their counters, so one whose next level asks for none of these
    cannot have reached it now: only members at most one level below the lowest level
    that asks for one of them are looked at (with the defaults, an upvote concerns members
    from *basic* up; the many *new* members who vote are skipped)."""
    now = now or timezone.now()
    values = trust_settings()
    lowest = Level.NEW
    if moved:
        asking = [
            level for level in AUTOMATIC_LEVELS if any(values.get(f"{level.slug}.{name}", 0) > 0 for name in moved)
        ]
        if not asking:
            return 0
        lowest = Level(min(asking) - 1)
    promoted = 0
    with transaction.atomic():
        trusts = (
            MemberTrust.objects.select_for_update()
            .filter(user_id__in=set(user_ids), level__gte=lowest)
            .order_by("user_id")
        )
        for trust in trusts:
            if trust.locked or trust.level >= Level.LEADER:
                continue
            reached = level_reached(trust=trust, now=now, values=values)
            if reached > trust.level:
                _level_change(trust=trust, new=reached, reason=LevelChangeReason.PROMOTED, now=now)
                promoted += 1
    return promoted


def member_evaluate(*, user_id: int, demote: bool = False, now: datetime | None = None) -> Level | None:
    """Promote the member to the level they reached; with `demote` (the daily task), also
    take a regular who stopped meeting its requirements back to member, once the grace
    period after their promotion is over. Leaders and locked levels are left alone.
    Returns the new level, or None when it did not change."""
    now = now or timezone.now()
    with transaction.atomic():
        trust = MemberTrust.objects.select_for_update().filter(user_id=user_id).first()
        if trust is None or trust.locked or trust.level >= Level.LEADER:
            return None
        reached = level_reached(trust=trust, now=now)
        if reached > trust.level:
            _level_change(trust=trust, new=reached, reason=LevelChangeReason.PROMOTED, now=now)
            return reached
        if demote and trust.level == Level.REGULAR and reached < Level.REGULAR:
            grace = timedelta(days=trust_settings()["regular.grace_days"])
            if trust.level_changed_at is None or trust.level_changed_at <= now - grace:
                _level_change(trust=trust, new=Level.MEMBER, reason=LevelChangeReason.DEMOTED, now=now)
                return Level.MEMBER
    return None


def members_evaluate_daily(*, now: datetime | None = None) -> dict[str, int]:
    """The daily pass: every regular is checked against the window (and demoted when they
    no longer meet it); members active in the last two days are checked for promotion
    (their reputation may have grown without an activity of theirs)."""
    now = now or timezone.now()
    counts = {"promoted": 0, "demoted": 0}
    regulars = MemberTrust.objects.filter(level=Level.REGULAR, locked=False).values_list("user_id", flat=True)
    active = (
        MemberDay.objects.filter(day__gte=utc_day(now) - timedelta(days=1)).values_list("user_id", flat=True).distinct()
    )
    seen = set()
    for user_id in [*regulars.iterator(), *active.iterator()]:
        if user_id in seen:
            continue
        seen.add(user_id)
        before = MemberTrust.objects.filter(user_id=user_id).values_list("level", flat=True).first()
        changed = member_evaluate(user_id=user_id, demote=True, now=now)
        if changed is not None:
            counts["promoted" if changed > before else "demoted"] += 1
    return counts


def _level_change(
    *, trust: MemberTrust, new: Level, reason: str, now: datetime, by=None, note: str = ""
) -> LevelChange:
    old = Level(trust.level)
    trust.level = new
    trust.level_changed_at = now
    trust.save(update_fields=["level", "level_changed_at"])
    change = LevelChange(
        user_id=trust.user_id, old_level=old, new_level=new, reason=reason, changed_by=by, note=note[:300]
    )
    change.full_clean()
    change.save()
    cache_versions.move(level_version_key(trust.user_id))
    # The notifications app tells the member of a promotion (it reacts to this activity:
    # the forums import this app, and the notifications app imports the forums).
    with translation.override("en"):
        level_name = str(new.label)
    activity_record(
        actor=trust.user_id,
        verb="rewards.level.changed",
        target=trust,
        properties={"old": int(old), "new": int(new), "reason": reason, "level_name": level_name},
    )
    return change


# --- Managers -------------------------------------------------------------------------------------------


def is_trust_manager(user) -> bool:
    """Community managers and admins (staff who may change members' trust levels)."""
    return bool(user.is_authenticated and user.is_staff and user.has_perm("trust.change_membertrust"))


def _require_manager(user) -> None:
    if not is_trust_manager(user):
        raise PermissionDenied(_("Only community managers can change trust levels."))


@transaction.atomic
def member_level_set(*, manager, user, level: int, locked: bool, note: str = "") -> MemberTrust:
    """A manager sets a member's level (the only way to grant or revoke *leader*) and
    whether it is locked against automatic changes."""
    _require_manager(manager)
    if level not in Level.values:
        raise ValidationError(_("Choose a trust level."))
    MemberTrust.objects.get_or_create(user_id=user.pk)
    trust = MemberTrust.objects.select_for_update().get(user_id=user.pk)
    now = timezone.now()
    if trust.locked != locked:
        trust.locked = locked
        trust.save(update_fields=["locked"])
    if trust.level != level:
        _level_change(
            trust=trust, new=Level(level), reason=LevelChangeReason.SET_BY_MANAGER, now=now, by=manager, note=note
        )
    return trust


@transaction.atomic
def member_level_release(*, manager, user, note: str = "") -> MemberTrust:
    """A manager hands the member's level back to the automatic rules (this is how a
    leader's level is revoked): unlocked, at the level they reach now."""
    _require_manager(manager)
    MemberTrust.objects.get_or_create(user_id=user.pk)
    trust = MemberTrust.objects.select_for_update().get(user_id=user.pk)
    trust.locked = False
    trust.save(update_fields=["locked"])
    now = timezone.now()
    reached = level_reached(trust=trust, now=now)
    if reached != trust.level:
        _level_change(trust=trust, new=reached, reason=LevelChangeReason.UNLOCKED, now=now, by=manager, note=note)
    return trust


def trust_setting_set(*, manager, key: str, value: int | None) -> TrustSetting:
    """A manager sets one setting (None: back to its default); takes effect at once."""
    _require_manager(manager)
    if key not in SETTING_DEFAULTS:
        raise ValidationError(_("There is no such setting."))
    if value is not None and value < 0:
        raise ValidationError(_("Settings are whole numbers of 0 or more."))
    setting, _created = TrustSetting.objects.update_or_create(
        key=key, defaults={"value": value, "updated_by": manager, "updated_at": timezone.now()}
    )
    cache_versions.move(SETTINGS_VERSION_KEY)
    return setting


def trust_settings_ensure() -> None:
    """A row for every setting (blank: the default), so managers find them all in the admin."""
    # Blank rows hold the defaults the cached settings already show: no cache to move (so
    # migrate, which runs this, needs no Redis).
    TrustSetting.objects.bulk_create([TrustSetting(key=key) for key in SETTING_DEFAULTS], ignore_conflicts=True)
