"""Thin Celery adapters over the forums' services (explicit names)."""

from celery import shared_task


@shared_task(name="community.forums.bounties_close", ignore_result=True, expires=600)
def bounties_close() -> int:
    """Beat: pay, refund or let lapse every bounty whose time is over (services.bounties)."""
    from .services.bounties import bounties_close_due

    return bounties_close_due()
