"""Points for the showcase, from its activities: published +15, each upvote +5 to the
author (counted in the daily cap on vote points; reversed when the vote is withdrawn),
featured +50. Causes name what earned the points, so each is paid once."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from community.activity.handlers import activity_handler
from community.rewards.rules import RuleDefault
from community.rewards.services import REASON_VOTE_WITHDRAWN, points_award, points_reverse

RULES = (
    RuleDefault("showcase.entry.published", 15, gettext_noop("You published an app to the showcase")),
    RuleDefault("showcase.entry.upvoted", 5, gettext_noop("Your showcase entry was upvoted"), vote_capped=True),
    RuleDefault("showcase.entry.featured", 50, gettext_noop("Your showcase entry was featured")),
)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _entry_id(activity) -> int | None:
    return _int(activity.properties.get("entry")) or _int(activity.target_id)


@activity_handler("showcase.entry.published", name="showcase.points_published")
def published(activity):
    entry = _entry_id(activity)
    if activity.actor_id is None or entry is None:
        return
    points_award(
        user_id=activity.actor_id,
        rule="showcase.entry.published",
        cause=f"showcase.published:{entry}",
        activity_id=activity.id,
    )


@activity_handler("showcase.entry.voted", name="showcase.points_voted")
def voted(activity):
    entry, author = _entry_id(activity), _int(activity.properties.get("entry_author"))
    if activity.actor_id is None or entry is None or author is None:
        return
    cause = f"showcase.vote:{entry}:{activity.actor_id}"
    if activity.properties.get("withdrawn"):
        points_reverse(
            user_id=author,
            rule="showcase.entry.upvoted",
            cause=cause,
            reason=REASON_VOTE_WITHDRAWN,
            activity_id=activity.id,
        )
    else:
        points_award(
            user_id=author,
            rule="showcase.entry.upvoted",
            cause=cause,
            activity_id=activity.id,
            counterpart_id=activity.actor_id,
        )


@activity_handler("showcase.entry.featured", name="showcase.points_featured")
def featured(activity):
    entry = _entry_id(activity)
    if activity.actor_id is None or entry is None:
        return
    points_award(
        user_id=activity.actor_id,
        rule="showcase.entry.featured",
        cause=f"showcase.featured:{entry}",
        activity_id=activity.id,
        counterpart_id=_int(activity.properties.get("featured_by")),
    )
