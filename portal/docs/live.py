"""Figures a docs page takes from the product as it runs, so the page never disagrees with it.

A page writes ``[[name]]`` where a live value goes: a block on a line of its own
(``[[rewards-rules]]``, a Markdown table of the points rules as the managers set them) or a
figure inside a sentence (``[[rewards-vote-cap]]``). ``live_fill`` replaces each marker with
what its provider returns now, in the active language, before the page is rendered, so the
tables pass through the same Markdown renderer and sanitizer as the rest of the page, and
the search index reads the same text as the reader.

A provider is a function of no arguments returning Markdown; it reads through the owning
app's selectors (the docs app never reads another app's tables). Markers with no provider
are left as written (``[[quickstart-key]]`` is a widget the view puts in after rendering);
``tests/docs/test_rewards_page.py`` fails when a page shows a marker nobody filled.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from portal.shipped import shipped_translate

MARKER = re.compile(r"\[\[(?P<name>[a-z][a-z0-9-]*)\]\]")

_providers: dict[str, Callable[[], str]] = {}


def live_value(name: str) -> Callable[[Callable[[], str]], Callable[[], str]]:
    """Decorator: ``@live_value("rewards-vote-cap")`` makes the function fill ``[[rewards-vote-cap]]``."""

    def decorate(func: Callable[[], str]) -> Callable[[], str]:
        _providers[name] = func
        return func

    return decorate


def live_names() -> list[str]:
    return sorted(_providers)


def live_fill(source: str) -> str:
    """``source`` with every marker that has a provider replaced by its current value.

    Each provider runs once per call however often its marker appears; a page without
    markers costs nothing (no provider, no query)."""
    if "[[" not in source:
        return source
    values: dict[str, str] = {}

    def replace(match: re.Match) -> str:
        name = match.group("name")
        if name not in _providers:
            return match.group(0)
        if name not in values:
            values[name] = _providers[name]()
        return values[name]

    return MARKER.sub(replace, source)


def _cell(text) -> str:
    """A table cell's text: one line, pipes escaped (a manager's rule name may hold either)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list], align: list[str] | None = None) -> str:
    align = align or ["---"] * len(header)
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _join(parts: list[str]) -> str:
    """Several short phrases in one table cell ("; ", in Chinese "；")."""
    return pgettext("list of phrases", "; ").join(parts)


def _points(value: int) -> str:
    return f"{value:+d}" if value else "0"


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


# --- Points rules (community.rewards) ----------------------------------------------------


@live_value("rewards-rules")
def rewards_rules() -> str:
    """The enabled rules that earn or cost points, as the managers set them (their defaults
    until then); a rule paid what each award gives (bounties) says so."""
    from community.rewards.selectors import rules_current

    rows = []
    for rule in rules_current():
        if not rule.enabled or not (rule.points or rule.amount_given):
            continue
        limits = []
        if rule.vote_capped:
            limits.append(_("counts toward the daily cap on votes"))
        if rule.daily_cap:
            limits.append(
                ngettext("at most %(cap)s point a day", "at most %(cap)s points a day", rule.daily_cap)
                % {"cap": _number(rule.daily_cap)}
            )
        points = _("the amount offered") if rule.amount_given else _points(rule.points)
        # A rule's name is shipped text until a manager rewrites it, as in the points history.
        rows.append([shipped_translate(rule.name), points, _join(limits) or "—"])
    header = [pgettext("docs rules table", "For"), pgettext("docs rules table", "Points"), _("Limit")]
    return _table(header, rows, ["---", "--:", "---"])


@live_value("rewards-vote-cap")
def rewards_vote_cap() -> str:
    from community.rewards.selectors import vote_daily_cap

    return _number(vote_daily_cap())


@live_value("rewards-serial-votes")
def rewards_serial_votes() -> str:
    return _number(settings.REWARDS_SERIAL_VOTES_PER_DAY)


@live_value("rewards-linked-hours")
def rewards_linked_hours() -> str:
    return _number(int(settings.REWARDS_LINKED_SIGNUP_WINDOW.total_seconds() // 3600))


# --- Bounties (community.forums) --------------------------------------------------------


@live_value("bounty-min")
def bounty_min() -> str:
    from community.forums.services.bounties import BOUNTY_MIN_POINTS

    return _number(BOUNTY_MIN_POINTS)


@live_value("bounty-max")
def bounty_max() -> str:
    from community.forums.services.bounties import BOUNTY_MAX_POINTS

    return _number(BOUNTY_MAX_POINTS)


@live_value("bounty-days")
def bounty_days() -> str:
    from community.forums.services.bounties import bounty_duration

    return _number(bounty_duration().days)


# --- Trust levels (community.trust) -----------------------------------------------------


def _level_name(level) -> str:
    return str(level.label)


@live_value("trust-levels")
def trust_levels() -> str:
    """What each level that members reach by themselves needs, one column per level."""
    from community.trust.config import REQUIREMENTS
    from community.trust.selectors import levels_overview

    levels = [info for info in levels_overview() if info.automatic]
    needed = {(int(info.level), label): value for info in levels for label, value, _unit in info.requirements}
    # In the order the trust app lists requirements, those some level needs.
    labels = list(dict.fromkeys((label, unit) for info in levels for label, _value, unit in info.requirements))
    order = [str(requirement.label) for requirement in REQUIREMENTS]
    labels.sort(key=lambda pair: order.index(pair[0]) if pair[0] in order else len(order))
    header = [_("Requirement")]
    for info in levels:
        if info.window_days:
            header.append(
                _("%(level)s (last %(days)s days)") % {"level": _level_name(info.level), "days": info.window_days}
            )
        else:
            header.append(_level_name(info.level))
    rows = []
    for label, unit in labels:
        row = [f"{label} ({unit})" if unit else label]
        for info in levels:
            value = needed.get((int(info.level), label))
            row.append(_number(value) if value else "—")
        rows.append(row)
    return _table(header, rows, ["---"] + ["--:"] * len(levels))


@live_value("trust-privileges")
def trust_privileges() -> str:
    """Every level with what it unlocks beyond the level below, and the weight of its flags."""
    from community.trust.levels import Level
    from community.trust.selectors import levels_overview, trust_settings

    values = trust_settings()
    rows = []
    for info in levels_overview():
        unlocks = []
        if info.level == Level.LEADER:
            unlocks.append(_("Granted by the community managers"))
        if info.limits is not None:
            per_hour, links, images = info.limits
            if per_hour:
                unlocks.append(
                    ngettext("Post up to %(count)s time an hour", "Post up to %(count)s times an hour", per_hour)
                    % {"count": _number(per_hour)}
                )
            unlocks.append(
                ngettext("At most %(count)s link in a post", "At most %(count)s links in a post", links)
                % {"count": _number(links)}
            )
            unlocks.append(
                ngettext("At most %(count)s image in a post", "At most %(count)s images in a post", images)
                % {"count": _number(images)}
            )
        elif info.level == Level.BASIC:
            unlocks.append(_("Post without the new members' limits"))
        unlocks += info.privileges
        flag_weight = values.get(f"flag_weight.{info.level.slug}", 0)
        rows.append([_level_name(info.level), _join(unlocks) or "—", _number(flag_weight)])
    return _table([_("Level"), _("Privileges and limits"), _("Flag weight")], rows, ["---", "---", "--:"])


@live_value("trust-regular-window")
def trust_regular_window() -> str:
    from community.trust.selectors import trust_settings

    return _number(trust_settings()["regular.window_days"])


@live_value("trust-regular-grace")
def trust_regular_grace() -> str:
    from community.trust.selectors import trust_settings

    return _number(trust_settings()["regular.grace_days"])


# --- Badges (community.badges) ----------------------------------------------------------


@live_value("badges")
def badges() -> str:
    """Every badge awarded now (those the managers have not switched off), by grade."""
    from django.contrib.auth.models import AnonymousUser

    from community.badges.selectors import badge_catalogue

    rows = []
    for group in badge_catalogue(viewer=AnonymousUser()):
        for entry in group.entries:
            name = f"[{entry.definition.name}](/rewards/badges/{entry.slug}/)"
            rows.append([str(group.grade.label), name, str(entry.definition.description)])
    return _table([_("Grade"), _("Badge"), _("Earned for")], rows)


@live_value("honors-nomination-days")
def honors_nomination_days() -> str:
    from community.badges.selectors import NOMINATION_DAYS

    return _number(NOMINATION_DAYS)
