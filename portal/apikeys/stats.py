"""Figures per key that the metering app contributes to the keys page.

The usage app meters calls and knows keys (usage depends on apikeys); so that apikeys
never imports it back, the usage app registers its per-key totals here from its
``AppConfig.ready()``, the way apps add sections to profiles (accounts.profile_sections).
"""

from __future__ import annotations

from collections.abc import Callable

MonthTotals = Callable[..., dict[int, tuple[int, int]]]
_month_totals: list[MonthTotals] = []


def register_month_totals(provider: MonthTotals) -> None:
    """`provider(user=...)` returns {key id: (requests, tokens)} for this month."""
    _month_totals[:] = [provider]


def month_totals(*, user) -> dict[int, tuple[int, int]]:
    return _month_totals[0](user=user) if _month_totals else {}
