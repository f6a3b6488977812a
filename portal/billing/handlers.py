"""What the billing app does when something happens elsewhere.

Registered from ``BillingConfig.ready()``. Each handler runs once per activity, and the
grant it makes is idempotent on its own (one ledger entry per account and month), so the
grant on verification and the one that comes with a first key never add up.
"""

from __future__ import annotations

from community.activity.handlers import activity_handler

from .services import credits_grant_monthly


@activity_handler("account.email_verified", name="billing.monthly_grant_on_verification")
def grant_on_email_verified(activity) -> None:
    """A verified address earns the account this month's free credits, before any key."""
    if activity.actor is None or not activity.actor.is_active:
        return  # the account was deleted (or deactivated) since it verified
    credits_grant_monthly(user=activity.actor)
