"""Leaderboards: this week, this month and all time; overall and per forum category.

Pages read rollups, never the ledger: ``LeaderboardRow`` holds every ranked member's place
on every board of the current periods, so a page of a board is an index range and the
viewer's own place one index lookup, however many members there are.

The rows are rebuilt from ``PointsDay`` (the ledger's points per member, UTC day and
category, kept in the same transaction as each entry) by the beat task
``community.rewards.leaderboards_refresh`` every few minutes, and from scratch by the
management command ``leaderboards_rebuild`` (and nightly). A refresh reads little:

- the week's and the month's boards sum at most a month of ``PointsDay`` rows;
- the all-time boards add ``LeaderboardTotal`` (each member's points per category over
  the days already *folded*) to the ``PointsDay`` rows of the last few days. Every entry
  lands on the day it is written (reversals and refunds too), so a day's rows stop
  changing once it is over; a day is folded into the totals once it is two days old, which
  leaves a day's margin for entries written just before midnight and committed after.

A new week's or month's boards appear with the first refresh after it begins (within
minutes); until then its pages are empty.

Ranks are competition ranks (equal points, equal rank, as Stack Overflow's lists); members
with no points in a period, deactivated accounts and members who opted out
(``MemberStanding.leaderboard_opt_out``) are left out. The new rows are computed into a
temporary table and written as a difference (rows whose rank or points changed, rows
that left), in the transaction that holds the build row's lock, so readers see the old
boards until the new ones commit, and two rebuilds never interleave. The SQL runs on
PostgreSQL and on SQLite (``make run``'s default).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language

from portal import cache_versions

from .models import LeaderboardBoard, LeaderboardBuild, LeaderboardRow, LeaderboardTotal, MemberStanding, PointsDay

ALL_TIME_START = date(1970, 1, 1)
# A day's PointsDay rows are folded into the all-time totals once the day is this old.
FOLD_AFTER_DAYS = 2
BOARDS = (LeaderboardBoard.WEEK, LeaderboardBoard.MONTH, LeaderboardBoard.ALL)
# Rendered pages are shared by all readers until a refresh writes rows or a member opts out.
PAGES_VERSION_KEY = "rewards:leaderboard:pages"
PAGES_CACHE_SECONDS = 60
ANALYZE_AFTER_ROWS = 10_000  # a refresh that rewrote this many board rows refreshes their statistics


@dataclass(frozen=True)
class PageRow:
    rank: int
    user_id: int
    points: int
    member_html: str


def utc_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(UTC).date()


def period_start(board: str, today: date) -> date:
    """The first UTC day of ``board``'s current period: Monday, the 1st, or the epoch."""
    if board == LeaderboardBoard.WEEK:
        return today - timedelta(days=today.weekday())
    if board == LeaderboardBoard.MONTH:
        return today.replace(day=1)
    return ALL_TIME_START


# --- Rebuilding ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildResult:
    rows: int  # rows on the boards now
    written: int  # rows inserted or changed
    removed: int  # rows that left the boards
    folded: bool  # whether days were added to the all-time totals


def leaderboards_refresh(*, now: datetime | None = None) -> BuildResult:
    """Bring every board of the current periods up to date (the beat task): fold the days
    that have become old enough into the all-time totals, then rank from those totals and
    the recent ``PointsDay`` rows."""
    return _build(now=now or timezone.now(), full=False)


def leaderboards_rebuild(*, now: datetime | None = None) -> BuildResult:
    """Rebuild everything from ``PointsDay`` alone: the all-time totals from scratch, then
    every board (the management command, and nightly). Gives the same rows as a refresh."""
    return _build(now=now or timezone.now(), full=True)


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "rows": quote(LeaderboardRow._meta.db_table),
        "totals": quote(LeaderboardTotal._meta.db_table),
        "days": quote(PointsDay._meta.db_table),
        "standings": quote(MemberStanding._meta.db_table),
        "users": quote(get_user_model()._meta.db_table),
    }


def _build(*, now: datetime, full: bool) -> BuildResult:
    today = utc_today(now)
    fold_through = today - timedelta(days=FOLD_AFTER_DAYS)
    t = _tables()
    with transaction.atomic():
        LeaderboardBuild.objects.bulk_create([LeaderboardBuild(pk=1)], ignore_conflicts=True)
        build = LeaderboardBuild.objects.select_for_update().get(pk=1)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Sums, ranks and the diff of a few hundred thousand rows sort and hash in memory.
                cursor.execute("SET LOCAL work_mem = '64MB'")
            folded = _fold(cursor, t, build=build, through=fold_through, full=full)
            cursor.execute("DROP TABLE IF EXISTS leaderboard_new")
            cursor.execute(
                "CREATE TEMPORARY TABLE leaderboard_new (board varchar(5) NOT NULL, period_start date NOT NULL, "
                "category_id integer NOT NULL, user_id bigint NOT NULL, points integer NOT NULL, "
                "rank integer NOT NULL)"
            )
            for board in BOARDS:
                _rank(cursor, t, board=board, start=period_start(board, today), folded_through=fold_through)
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE leaderboard_new")
            written, removed = _sync(cursor, t)
            if connection.vendor == "postgresql" and written + removed >= ANALYZE_AFTER_ROWS:
                # Otherwise the planner keeps the old statistics until autovacuum comes by, and
                # the viewer's own place (by member) took 16-21 ms instead of 0.06 ms meanwhile.
                cursor.execute(f"ANALYZE {LeaderboardRow._meta.db_table}")
            cursor.execute("SELECT COUNT(*) FROM leaderboard_new")
            rows = cursor.fetchone()[0]
            cursor.execute("DROP TABLE leaderboard_new")
        build.folded_through = fold_through
        build.refreshed_at = now
        if full:
            build.rebuilt_at = now
        build.save()
        if written or removed:
            cache_versions.move(PAGES_VERSION_KEY)
    return BuildResult(rows=rows, written=written, removed=removed, folded=folded)


def _fold(cursor, t: dict[str, str], *, build: LeaderboardBuild, through: date, full: bool) -> bool:
    """Add the days after ``build.folded_through`` up to ``through`` to the all-time totals
    (all days, into emptied totals, when ``full`` or nothing was folded yet)."""
    after = build.folded_through
    if full or after is None:
        cursor.execute(f"DELETE FROM {t['totals']}")  # noqa: S608 - table names from the models
        after = date.min
    if after >= through:
        return False
    # ON CONFLICT after a SELECT needs its WHERE clause on SQLite (a parsing ambiguity).
    cursor.execute(
        f"INSERT INTO {t['totals']} (user_id, category_id, points) "  # noqa: S608
        f"SELECT user_id, category_id, SUM(points) FROM {t['days']} WHERE day > %s AND day <= %s "
        "GROUP BY user_id, category_id "
        f"ON CONFLICT (user_id, category_id) DO UPDATE SET points = {t['totals']}.points + excluded.points",
        [after, through],
    )
    return True


def _rank(cursor, t: dict[str, str], *, board: str, start: date, folded_through: date) -> None:
    """Rank one board of the current period into ``leaderboard_new``: overall (category 0)
    and per category, competition ranks among the members shown."""
    if board == LeaderboardBoard.ALL:
        source = (
            f"SELECT user_id, category_id, points FROM {t['totals']} "  # noqa: S608
            f"UNION ALL SELECT user_id, category_id, points FROM {t['days']} WHERE day > %s"
        )
        params = [folded_through]
    else:
        source = f"SELECT user_id, category_id, points FROM {t['days']} WHERE day >= %s"  # noqa: S608
        params = [start]
    cursor.execute(
        f"WITH source AS ({source}), sums AS ("  # noqa: S608
        "SELECT 0 AS category_id, user_id, SUM(points) AS points FROM source GROUP BY user_id "
        "UNION ALL SELECT category_id, user_id, SUM(points) FROM source WHERE category_id <> 0 "
        "GROUP BY category_id, user_id) "
        "INSERT INTO leaderboard_new (board, period_start, category_id, user_id, points, rank) "
        "SELECT %s, %s, category_id, user_id, points, RANK() OVER (PARTITION BY category_id ORDER BY points DESC) "
        f"FROM sums WHERE points > 0 AND user_id IN (SELECT id FROM {t['users']} WHERE is_active) "
        f"AND user_id NOT IN (SELECT user_id FROM {t['standings']} WHERE leaderboard_opt_out)",
        [*params, board, start],
    )


def _sync(cursor, t: dict[str, str]) -> tuple[int, int]:
    """Write the difference between ``leaderboard_new`` and the stored rows: one join finds
    the rows that are new or whose rank or points changed (few, between two refreshes),
    and only those are written; rows no longer on a board are deleted."""
    rows = t["rows"]
    same_row = (
        f"new.board = {rows}.board AND new.category_id = {rows}.category_id "
        f"AND new.period_start = {rows}.period_start AND new.user_id = {rows}.user_id"
    )
    cursor.execute(
        f"INSERT INTO {rows} (board, period_start, category_id, user_id, points, rank) "  # noqa: S608
        "SELECT new.board, new.period_start, new.category_id, new.user_id, new.points, new.rank "
        f"FROM leaderboard_new new LEFT JOIN {rows} ON {same_row} "
        f"WHERE {rows}.id IS NULL OR {rows}.points <> new.points OR {rows}.rank <> new.rank "
        "ON CONFLICT (board, category_id, period_start, user_id) DO UPDATE "
        "SET points = excluded.points, rank = excluded.rank"
    )
    written = cursor.rowcount
    cursor.execute(f"DELETE FROM {rows} WHERE NOT EXISTS (SELECT 1 FROM leaderboard_new new WHERE {same_row})")  # noqa: S608
    return written, cursor.rowcount


# --- Reading ------------------------------------------------------------------------------------------

PAGE_SIZE = 50
MAX_PAGES = 20  # the first 1,000 places; the viewer's own place is shown wherever it is


def leaderboard_page(*, board: str, category_id: int, page: int, today: date | None = None):
    """One page of a board, in rank order: (rows, has_next). Each row's member comes with
    their profile (avatar, name, link); members who opted out since the last refresh or were
    deactivated are not shown.

    A later page starts from the key (rank, member) found by an index-only skip, so the
    joins run for the page's rows only, not for every row before it."""
    start = period_start(board, today or utc_today())
    board_rows = LeaderboardRow.objects.filter(board=board, category_id=category_id, period_start=start)
    offset = (page - 1) * PAGE_SIZE
    if offset:
        key = board_rows.order_by("rank", "user_id").values_list("rank", "user_id")[offset : offset + 1].first()
        if key is None:
            return [], False
        board_rows = board_rows.filter(Q(rank__gt=key[0]) | Q(rank=key[0], user_id__gte=key[1]))
    rows = list(
        board_rows.filter(user__is_active=True)
        .exclude(user__points_standing__leaderboard_opt_out=True)
        .select_related("user__profile")
        .order_by("rank", "user_id")[: PAGE_SIZE + 1]
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def leaderboard_page_cached(*, board: str, category_id: int, page: int, today: date, render_member) -> tuple:
    """``leaderboard_page`` as plain rows (rank, member id, points, ``render_member(user)``),
    shared by every reader until the boards change (a refresh that wrote rows, an opt-out)
    or ``PAGES_CACHE_SECONDS`` pass (a renamed member's new name shows by then). Rendering
    fifty members' avatars and links was most of a page's time; a cached page is one cache
    read."""
    key = f"rewards:leaderboard:{board}:{category_id}:{page}:{period_start(board, today)}:{get_language()}"

    def compute():
        rows, has_next = leaderboard_page(board=board, category_id=category_id, page=page, today=today)
        return [PageRow(row.rank, row.user_id, row.points, render_member(row.user)) for row in rows], has_next

    return cache_versions.get_or_compute(key, [PAGES_VERSION_KEY], compute, PAGES_CACHE_SECONDS)


def leaderboard_position(*, user, board: str, category_id: int, today: date | None = None) -> LeaderboardRow | None:
    """The member's own row on a board, or None (no points in the period, or hidden)."""
    if not user.is_authenticated:
        return None
    start = period_start(board, today or utc_today())
    return LeaderboardRow.objects.filter(board=board, category_id=category_id, period_start=start, user=user).first()


def leaderboard_positions(*, user, today: date | None = None) -> dict[str, LeaderboardRow]:
    """The member's overall rows on the three boards (the hub), from one query."""
    today = today or utc_today()
    rows = LeaderboardRow.objects.filter(user=user, category_id=0)
    found = {row.board: row for row in rows if row.period_start == period_start(row.board, today)}
    return found


def leaderboard_refreshed_at() -> datetime | None:
    return LeaderboardBuild.objects.filter(pk=1).values_list("refreshed_at", flat=True).first()


# --- Categories: the forums say which there are ---------------------------------------------------------

_category_providers: list[Callable[[], list[tuple[int, str]]]] = []


def category_provider_register(provider: Callable[[], list[tuple[int, str]]]) -> None:
    """Let an app (the forums) name the categories points are earned in: ``provider()``
    returns (id, name in the active language) pairs. Rewards imports no forum code."""
    if provider not in _category_providers:
        _category_providers.append(provider)


def leaderboard_categories() -> list[tuple[int, str]]:
    return [category for provider in _category_providers for category in provider()]
