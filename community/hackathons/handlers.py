"""What hackathons do when something happens: a published hackathon event gets its
hackathon (window from the event's times, tuned by managers in the admin), and a team's
first submission earns the submitter points. Once per activity (its HandlerRun) and once
per cause in the ledger, so a redelivered activity changes nothing."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from community.activity.handlers import activity_handler
from community.rewards.rules import RuleDefault, rule_register
from community.rewards.services import points_award

from .services import PRIZE_RULE, SUBMISSION_RULE, hackathon_create

RULES = (
    RuleDefault(SUBMISSION_RULE, 20, _("Your team submitted to a hackathon")),
    # 0 points: each award is paid the prize's amount (as bounties are).
    RuleDefault(PRIZE_RULE, 0, _("Your team won a hackathon prize")),
)


def rules_register() -> None:
    for rule in RULES:
        rule_register(rule)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@activity_handler("event.published", name="hackathons.event_published")
def event_published(activity) -> None:
    """A hackathon event, once published, has its hackathon."""
    event_id = _int(activity.properties.get("event")) or _int(activity.target_id)
    if event_id is None or activity.properties.get("kind") != "hackathon":
        return
    hackathon_create(event_id=event_id)


@activity_handler("hackathon.submitted", name="hackathons.points")
def submitted(activity) -> None:
    """+20 to the member who submitted their team's entry, once per team."""
    team = _int(activity.properties.get("team"))
    if team is None or activity.actor_id is None:
        return
    points_award(
        user_id=activity.actor_id,
        rule=SUBMISSION_RULE,
        cause=f"hackathon.team:{team}",
        activity_id=activity.id,
    )
