"""What managers can tune about trust levels, with the defaults Discourse ships.

Like Discourse's site settings: each setting has a key, a default and a description;
a ``TrustSetting`` row (edited in the admin) overrides the default, and a row left blank
falls back to it. ``selectors.trust_settings()`` reads them all at once, cached.

Requirements are per level (``basic.*``, ``member.*``, ``regular.*``); a requirement set
to 0 is not required. *Basic* and *member* count everything the member ever did;
*regular* counts the last ``regular.window_days`` days only, and a regular who no longer
meets them is demoted by the daily task (not before ``regular.grace_days`` after the
promotion). Privileges name the lowest level that holds them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .levels import Level


@dataclass(frozen=True)
class SettingDefault:
    key: str
    default: int
    description: str  # lazy


@dataclass(frozen=True)
class Requirement:
    """One thing a level needs: ``stat`` names the counter compared with the setting."""

    name: str
    label: str
    unit: str = ""  # shown after the figures ("min", "days")


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("days_visited", _("Days visited")),
    Requirement("topics_entered", _("Topics entered")),
    Requirement("posts_read", _("Posts read")),
    Requirement("minutes_reading", _("Time spent reading"), unit=_("min")),
    Requirement("likes_given", _("Upvotes given")),
    Requirement("likes_received", _("Upvotes received")),
    Requirement("replies_posted", _("Replies to others' topics")),
    Requirement("reputation", _("Reputation")),
    Requirement("no_suspension_days", _("Days since the last suspension"), unit=_("days")),
)

# Discourse's defaults for TL1 and TL2 (its TL3 counts shares of the forum's topics and
# posts; here they are plain counts over the window), reputation added as Stack Overflow
# gates privileges on it.
_REQUIREMENT_DEFAULTS: dict[Level, dict[str, int]] = {
    Level.BASIC: {"topics_entered": 5, "posts_read": 30, "minutes_reading": 10},
    Level.MEMBER: {
        "days_visited": 15,
        "topics_entered": 20,
        "posts_read": 100,
        "minutes_reading": 60,
        "likes_given": 1,
        "likes_received": 1,
        "replies_posted": 3,
        "reputation": 10,
    },
    Level.REGULAR: {
        "days_visited": 50,
        "topics_entered": 25,
        "posts_read": 500,
        "likes_given": 30,
        "likes_received": 20,
        "replies_posted": 10,
        "reputation": 200,
        "no_suspension_days": 180,
    },
}

# Privileges: the lowest level that holds each.
PRIVILEGES = {
    "downvote": (Level.BASIC, _("Downvote posts")),
    "retag": (Level.MEMBER, _("Change the tags of others' topics")),
    "edit_wiki": (Level.MEMBER, _("Edit wiki posts")),
    "offer_bounty": (Level.MEMBER, _("Offer bounties on questions")),
    "make_wiki": (Level.REGULAR, _("Make a first post a wiki")),
    "close_duplicates": (Level.REGULAR, _("Close topics as duplicates")),
}

FLAG_WEIGHTS = {Level.NEW: 1, Level.BASIC: 1, Level.MEMBER: 2, Level.REGULAR: 3, Level.LEADER: 4}


def _defaults() -> list[SettingDefault]:
    # Descriptions stay lazy: this module is imported before translations are ready.
    rows = []
    for level, values in _REQUIREMENT_DEFAULTS.items():
        for requirement in REQUIREMENTS:
            description = format_lazy(
                _("{level}: {requirement} (0: not required)"), level=level.label, requirement=requirement.label
            )
            rows.append(
                SettingDefault(f"{level.slug}.{requirement.name}", values.get(requirement.name, 0), description)
            )
    rows += [
        SettingDefault("regular.window_days", 100, _("Regular: the requirements count this many last days")),
        SettingDefault("regular.grace_days", 14, _("Regular: not demoted within this many days of the promotion")),
        SettingDefault("new.posts_per_hour", 3, _("New members: posts an hour (0: no limit)")),
        SettingDefault("new.max_links", 2, _("New members: links in one post")),
        SettingDefault("new.max_images", 1, _("New members: images in one post")),
    ]
    for name, (level, label) in PRIVILEGES.items():
        description = format_lazy(_("{privilege}: the lowest level that may (0 new to 4 leader)"), privilege=label)
        rows.append(SettingDefault(f"privilege.{name}", int(level), description))
    for level, weight in FLAG_WEIGHTS.items():
        description = format_lazy(_("Weight of a flag raised by a member at level {level}"), level=level.label)
        rows.append(SettingDefault(f"flag_weight.{level.slug}", weight, description))
    return rows


SETTING_DEFAULTS: dict[str, SettingDefault] = {row.key: row for row in _defaults()}
SETTING_KEY_MAX_LENGTH = 60
