"""What the ambassadors app does when something happens: 100 points to a new ambassador
(once per member, however often they are accepted), and a sign-up from a browser that
opened a referral link attributed to its ambassador (the accounts app records the keyed
device hash with ``account.signed_up``: no change to its views)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from community.activity.handlers import activity_handler
from community.rewards.rules import RuleDefault, rule_register
from community.rewards.services import points_award

from .services import referral_attach

RULES = (RuleDefault("ambassador.accepted", 100, _("You became a community ambassador")),)


def rules_register() -> None:
    for rule in RULES:
        rule_register(rule)


@activity_handler("ambassador.accepted", name="ambassadors.points")
def points(activity) -> None:
    if activity.actor_id is None:
        return
    points_award(
        user_id=activity.actor_id,
        rule="ambassador.accepted",
        cause=f"ambassador:{activity.actor_id}",
        activity_id=activity.id,
    )


@activity_handler("account.signed_up", name="ambassadors.referrals")
def referrals(activity) -> None:
    if activity.actor_id is None:
        return
    referral_attach(
        user_id=activity.actor_id,
        device_hash=activity.properties.get("device_hash") or "",
        signed_up_at=activity.occurred_at,
    )
