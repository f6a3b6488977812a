"""Leaderboards: this week, this month and all time, overall and per forum category, read
from rollup rows that a refresh keeps up (and a rebuild gives identically); members who
opted out or were deactivated are left out; the page costs a fixed number of queries."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from community.rewards import leaderboards
from community.rewards.leaderboards import leaderboards_rebuild, leaderboards_refresh
from community.rewards.models import LeaderboardRow, LeaderboardTotal, PointsDay
from community.rewards.services import leaderboard_opt_out_set, points_award
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# A Wednesday: its week began on Monday the 7th, its month on the 1st.
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
QA, IDEAS = 11, 12  # forum category ids as the ledger records them


def earned(user, day: date, points: int, category: int = 0) -> None:
    """What the ledger's daily rollup holds after the member earned ``points`` that day."""
    row, _created = PointsDay.objects.get_or_create(user=user, day=day, category_id=category)
    PointsDay.objects.filter(pk=row.pk).update(points=row.points + points)


def board(name: str, category: int = 0, today: date = TODAY) -> list[tuple[int, str, int]]:
    """A board as (rank, member's email, points), in rank order."""
    start = leaderboards.period_start(name, today)
    rows = LeaderboardRow.objects.filter(board=name, category_id=category, period_start=start)
    return [(r.rank, r.user.email, r.points) for r in rows.select_related("user").order_by("rank", "user__email")]


def snapshot() -> set[tuple]:
    return set(LeaderboardRow.objects.values_list("board", "period_start", "category_id", "user_id", "rank", "points"))


@pytest.fixture
def members(db):
    return {name: UserFactory(email=f"{name}@example.com") for name in ("ada", "bob", "cyd", "dee")}


def test_periods_and_categories(members):
    ada, bob, cyd, dee = (members[n] for n in ("ada", "bob", "cyd", "dee"))
    earned(ada, TODAY - timedelta(days=1), 40, QA)  # Tuesday: this week
    earned(ada, TODAY, 10)  # today, no category (email verified, first call...)
    earned(bob, date(2026, 12, 2), 100, IDEAS)  # last week, this month
    earned(cyd, date(2026, 11, 20), 500, QA)  # last month
    earned(dee, TODAY, -2, QA)  # a downvote: never ranked below zero
    leaderboards_rebuild(now=NOW)

    assert board("week") == [(1, "ada@example.com", 50)]
    assert board("month") == [(1, "bob@example.com", 100), (2, "ada@example.com", 50)]
    assert board("all") == [(1, "cyd@example.com", 500), (2, "bob@example.com", 100), (3, "ada@example.com", 50)]
    assert board("week", QA) == [(1, "ada@example.com", 40)]
    assert board("month", IDEAS) == [(1, "bob@example.com", 100)]
    assert board("all", QA) == [(1, "cyd@example.com", 500), (2, "ada@example.com", 40)]
    assert board("week", IDEAS) == []
    # Points with no category count overall only: there is no board for "no category".
    assert not LeaderboardRow.objects.exclude(category_id__in=[0, QA, IDEAS]).exists()


def test_ties_share_a_rank(members):
    for name, points in (("ada", 30), ("bob", 30), ("cyd", 20), ("dee", 30)):
        earned(members[name], TODAY, points, QA)
    leaderboards_rebuild(now=NOW)
    assert [rank for rank, _email, _points in board("week")] == [1, 1, 1, 4]


def test_points_from_the_ledger_reach_the_boards(members):
    """An award through the ledger (a bounty received in Q&A) lands on the overall and the category boards."""
    ada = members["ada"]
    points_award(user_id=ada.pk, rule="account.email_verified", cause="lb:1", amount=120, category_id=QA)
    leaderboards_refresh()
    today = leaderboards.utc_today()
    assert board("week", today=today) == [(1, "ada@example.com", 120)]
    assert board("all", QA, today=today) == [(1, "ada@example.com", 120)]


def test_members_who_opt_out_or_leave_are_not_ranked(client, members):
    ada, bob, cyd = members["ada"], members["bob"], members["cyd"]
    earned(ada, TODAY, 90)
    earned(bob, TODAY, 60)
    earned(cyd, TODAY, 30)
    leaderboards_rebuild(now=NOW)
    leaderboard_opt_out_set(user=ada, opt_out=True)
    # Until the next refresh, pages already leave the member out.
    rows, _more = leaderboards.leaderboard_page(board="week", category_id=0, page=1, today=TODAY)
    assert [row.user_id for row in rows] == [bob.pk, cyd.pk]
    leaderboards_refresh(now=NOW)
    assert board("week") == [(1, "bob@example.com", 60), (2, "cyd@example.com", 30)]

    cyd.is_active = False
    cyd.save(update_fields=["is_active"])
    leaderboard_opt_out_set(user=ada, opt_out=False)
    leaderboards_refresh(now=NOW)
    assert board("week") == [(1, "ada@example.com", 90), (2, "bob@example.com", 60)]


def test_refresh_gives_what_a_rebuild_gives(members):
    """Day after day of refreshes (totals folded as days age, entries landing on yesterday
    just after midnight, points taken back) end on exactly the rows a rebuild from scratch
    writes; a refresh with nothing new writes nothing."""
    ada, bob, cyd, dee = (members[n] for n in ("ada", "bob", "cyd", "dee"))
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday, a week before the month turns
    plan = [
        [(ada, 15, QA), (bob, 10, IDEAS)],
        [(cyd, 40, QA), (ada, 5, 0)],
        [(bob, 25, QA), (dee, 10, IDEAS)],
        [(ada, -2, QA), (cyd, 10, IDEAS)],
        [(dee, 60, QA)],
        [],
        [(bob, 5, 0), (ada, 30, IDEAS)],
        [(cyd, -10, QA)],
        [(ada, 10, QA)],
        [(bob, 100, IDEAS)],
    ]
    for offset, awards in enumerate(plan):
        now = start + timedelta(days=offset)
        for user, points, category in awards:
            earned(user, now.date(), points, category)
        if offset == 4:  # written at 23:59:59 yesterday, committed after the refresh just after midnight
            earned(dee, now.date() - timedelta(days=1), 7, QA)
        leaderboards_refresh(now=now)
    final = start + timedelta(days=len(plan) - 1)
    refreshed = snapshot()
    assert leaderboards_refresh(now=final).written == 0
    result = leaderboards_rebuild(now=final)
    assert snapshot() == refreshed and result.written == 0 and result.removed == 0
    totals = {(t.user_id, t.category_id): t.points for t in LeaderboardTotal.objects.all()}
    assert totals[(dee.pk, QA)] == 67  # the late entry was folded too
    assert board("all", today=final.date())[0] == (1, "bob@example.com", 140)


def test_a_new_period_replaces_the_last(members):
    ada = members["ada"]
    earned(ada, TODAY, 20)
    leaderboards_refresh(now=NOW)
    next_week = NOW + timedelta(days=7)
    earned(ada, next_week.date(), 5)
    result = leaderboards_refresh(now=next_week)
    starts = set(LeaderboardRow.objects.filter(board="week").values_list("period_start", flat=True))
    assert starts == {leaderboards.period_start("week", next_week.date())}
    assert board("week", today=next_week.date()) == [(1, "ada@example.com", 5)]
    assert result.removed >= 1


def test_the_management_command_rebuilds(members, capsys):
    earned(members["ada"], leaderboards.utc_today(), 12, QA)
    call_command("leaderboards_rebuild")
    assert "leaderboard rows" in capsys.readouterr().out
    assert LeaderboardRow.objects.filter(user=members["ada"], board="all", category_id=QA).exists()
    call_command("leaderboards_rebuild", "--refresh")
    assert "0 written" in capsys.readouterr().out


def _crowd(n: int, today: date) -> list:
    users = [UserFactory(email=f"crowd{n}-{i}@example.com") for i in range(n)]
    PointsDay.objects.bulk_create(
        [PointsDay(user=user, day=today, category_id=QA, points=10 + i) for i, user in enumerate(users)]
    )
    return users


def test_the_page_shows_a_board_and_my_place(client, members, django_assert_max_num_queries):
    today = leaderboards.utc_today()
    crowd = _crowd(60, today)
    earned(members["ada"], today, 11, QA)
    leaderboards_refresh()
    client.force_login(members["ada"])
    url = reverse("rewards:leaderboard")
    with django_assert_max_num_queries(7):
        html = client.get(url, {"period": "week", "category": QA}).content.decode()
    top = crowd[-1]
    assert f'href="{top.profile.get_absolute_url()}"' in html and 'class="avatar"' in html
    assert html.index(top.profile.name) < html.index(crowd[-2].profile.name)
    assert "You are <strong>#59</strong> with 11 points." in html
    assert "Find me" in html and "page=2" in html
    second = client.get(url, {"period": "week", "category": QA, "page": 2}).content.decode()
    assert 'class="table-warning"' in second and "Find me" not in second
    # Unknown filters fall back to this week, overall.
    assert client.get(url, {"period": "year", "category": "x"}).status_code == 200


def test_the_page_costs_the_same_however_many_members(client, members, django_assert_max_num_queries):
    today = leaderboards.utc_today()
    _crowd(3, today)
    leaderboards_refresh()
    client.force_login(members["bob"])
    url = reverse("rewards:leaderboard")
    with django_assert_max_num_queries(8) as few:
        client.get(url, {"period": "all"})
    _crowd(120, today)
    leaderboards_refresh()
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url, {"period": "all"}).content.decode()
    assert html.count("<tr") == 51  # the header and a page of 50
    assert "You have no points on this leaderboard yet" in html


def test_signed_out_visitors_see_the_leaderboard(client, members):
    earned(members["ada"], leaderboards.utc_today(), 25)
    leaderboards_refresh()
    html = client.get(reverse("rewards:leaderboard")).content.decode()
    assert members["ada"].profile.name in html and 'id="my-position"' not in html


def test_the_page_in_both_languages(client, members):
    earned(members["ada"], leaderboards.utc_today(), 25)
    leaderboards_refresh()
    client.force_login(members["bob"])
    english = client.get(reverse("rewards:leaderboard")).content.decode()
    assert "This week" in english and "Leaderboard" in english
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("rewards:leaderboard")).content.decode()
    assert "排行榜" in chinese and "本周" in chinese and "This week" not in chinese
    assert "You have no points" not in chinese


def test_the_hub_shows_my_places(client, members):
    earned(members["ada"], leaderboards.utc_today(), 25)
    leaderboards_refresh()
    client.force_login(members["ada"])
    html = client.get(reverse("rewards:hub")).content.decode()
    assert "Your places" in html and "#1" in html and reverse("rewards:leaderboard") in html


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_refreshes_in_the_worker(celery_worker):
    from django.conf import settings

    from community.rewards.tasks import leaderboards_refresh as task

    assert settings.CELERY_BEAT_SCHEDULE["rewards-leaderboards-refresh"]["task"] == task.name
    member = UserFactory(email="worker-board@example.com")
    earned(member, leaderboards.utc_today(), 33, QA)
    task.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not LeaderboardRow.objects.filter(user=member).exists():
        time.sleep(0.2)
    assert LeaderboardRow.objects.filter(user=member, board="week", category_id=QA, points=33).exists(), (
        celery_worker.output
    )


def test_a_rendered_page_is_shared_until_the_boards_change(client, members, django_assert_max_num_queries):
    """The rows of a page are rendered once for every reader; a refresh that changes the board
    or a member opting out shows on the next view."""
    ada, bob = members["ada"], members["bob"]
    today = leaderboards.utc_today()
    earned(ada, today, 40)
    earned(bob, today, 30)
    leaderboards_refresh()
    url = reverse("rewards:leaderboard")
    first = client.get(url).content.decode()
    assert ada.profile.name in first and bob.profile.name in first
    with django_assert_max_num_queries(1) as cached:  # the categories' names; the rows come from the cache
        client.get(url)
    assert not any("rewards_leaderboardrow" in q["sql"] for q in cached.captured_queries)

    leaderboard_opt_out_set(user=ada, opt_out=True)
    assert ada.profile.name not in client.get(url).content.decode()

    earned(bob, today, 25)
    leaderboards_refresh()
    assert ">55<" in client.get(url).content.decode()
