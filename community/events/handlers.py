"""Points for events, from their activities: attended +10 to the attendee, feedback +2,
and +2 to the organiser for each member checked in at their event (at most 100 a day).
Causes name what earned the points, so each is paid once however often it is delivered."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from community.activity.handlers import activity_handler
from community.rewards.rules import RuleDefault
from community.rewards.services import points_award

RULES = (
    RuleDefault("event.attended", 10, gettext_noop("You attended an event")),
    RuleDefault("event.feedback", 2, gettext_noop("You left feedback on an event")),
    RuleDefault("event.hosted", 2, gettext_noop("A member checked in at your event"), daily_cap=100),
)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _event_id(activity) -> int | None:
    return _int(activity.properties.get("event")) or _int(activity.target_id)


@activity_handler("event.attended", name="events.points_attended")
def attended(activity):
    event, attendee = _event_id(activity), activity.actor_id
    if event is None or attendee is None:
        return
    points_award(
        user_id=attendee, rule="event.attended", cause=f"event.attended:{event}:{attendee}", activity_id=activity.id
    )
    organiser = _int(activity.properties.get("organiser"))
    if organiser is not None and organiser != attendee:
        points_award(
            user_id=organiser,
            rule="event.hosted",
            cause=f"event.hosted:{event}:{attendee}",
            activity_id=activity.id,
            counterpart_id=attendee,
        )


@activity_handler("event.feedback.given", name="events.points_feedback")
def feedback(activity):
    event, attendee = _event_id(activity), activity.actor_id
    if event is None or attendee is None:
        return
    points_award(
        user_id=attendee, rule="event.feedback", cause=f"event.feedback:{event}:{attendee}", activity_id=activity.id
    )
