"""Bounties on the thread page, inside the page's shared, cached block (a bounty's changes
move the thread's generation): the thread's bounties and, for signed-in readers of a
question that can take one, the offer form. What differs per member (may they offer, their
balance) loads when they open the form (``BountyOfferView.get``), so a warm page costs
them no query for it."""

from django import template

from ..models import BOUNTY_MAX_POINTS, BOUNTY_MIN_POINTS, BountyState

register = template.Library()


@register.inclusion_tag("forums/_bounty_summary.html", takes_context=True)
def bounty_summary(context, thread):
    """The thread's open bounty (points, when it ends), how earlier ones ended, and the offer form."""
    from ..selectors.bounties import bounties_for_thread, bounty_thread_eligible
    from ..services.bounties import bounty_duration

    bounties = bounties_for_thread(thread_id=thread.pk)
    user = context.get("user")
    offer = bool(
        user is not None
        and user.is_authenticated
        and not bounty_thread_eligible(thread=thread)
        and not any(bounty.state == BountyState.OPEN for bounty in bounties)
    )
    return {
        "thread": thread,
        "bounties": bounties,
        "offer": offer,
        "min_points": BOUNTY_MIN_POINTS,
        "max_points": BOUNTY_MAX_POINTS,
        "days": bounty_duration().days,
        "csrf_token": context.get("csrf_token"),
    }
