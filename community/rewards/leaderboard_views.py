"""The leaderboard page: a board (this week, this month, all time; overall or one forum
category), a page of it in rank order, and the viewer's own place. It reads the rollup
rows only (leaderboards.py), a fixed handful of queries however many members there are."""

from __future__ import annotations

from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import View

from . import leaderboards
from .models import LeaderboardBoard
from .selectors import leaderboard_opted_out


def _member_html(user) -> str:
    return render_to_string("accounts/_author_link_32.html", {"member": user})


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class LeaderboardView(View):
    template_name = "rewards/leaderboard.html"

    def get(self, request):
        board = request.GET.get("period", LeaderboardBoard.WEEK)
        if board not in LeaderboardBoard.values:
            board = LeaderboardBoard.WEEK
        categories = leaderboards.leaderboard_categories()
        category_id = _int(request.GET.get("category"), 0)
        if category_id not in {pk for pk, _name in categories}:
            category_id = 0
        page = min(max(_int(request.GET.get("page"), 1), 1), leaderboards.MAX_PAGES)
        today = leaderboards.utc_today()
        rows, has_next = leaderboards.leaderboard_page_cached(
            board=board, category_id=category_id, page=page, today=today, render_member=_member_html
        )
        mine = leaderboards.leaderboard_position(user=request.user, board=board, category_id=category_id, today=today)
        context = {
            "board": board,
            "boards": LeaderboardBoard.choices,
            "categories": categories,
            "category_id": category_id,
            "category_name": dict(categories).get(category_id),
            "rows": rows,
            "page": page,
            "has_previous": page > 1,
            "has_next": has_next and page < leaderboards.MAX_PAGES,
            "mine": mine,
            "mine_page": self._page_of(mine, rows),
            "period_start": leaderboards.period_start(board, today),
        }
        if request.user.is_authenticated and mine is None:
            context["opted_out"] = leaderboard_opted_out(user_id=request.user.pk)
        return render(request, self.template_name, context)

    @staticmethod
    def _page_of(mine, rows) -> int | None:
        """The page that shows the viewer's row, when it is not this one and the list reaches it."""
        if mine is None or any(row.user_id == mine.user_id for row in rows):
            return None
        page = (mine.rank - 1) // leaderboards.PAGE_SIZE + 1
        return page if page <= leaderboards.MAX_PAGES else None
