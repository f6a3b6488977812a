"""Reads for bounties: who may offer one, which threads may take one, a thread's bounties,
the open bounties list and the topic list's bounty marks."""

from __future__ import annotations

from django.utils.translation import gettext as _

from community.trust.selectors import privilege_level, privileges_of

from ..models import Bounty, BountyState, CategoryKind, Thread


def bounty_offer_allowed(*, user) -> bool:
    """Whether this member may offer bounties: their trust level's ``can_offer_bounty``."""
    if not user.is_authenticated or not user.is_active:
        return False
    return privileges_of(user=user).can_offer_bounty


def bounty_offer_refusal() -> str:
    """What a member below the level that offers bounties is told (naming that level)."""
    return _("Offering a bounty needs trust level %(level)s.") % {"level": privilege_level("offer_bounty").label}


def bounty_thread_eligible(*, thread: Thread) -> str:
    """Why `thread` cannot take a bounty now (a sentence for the member), or "" when it can:
    an open question (Q&A, visible, not locked) with no accepted answer."""
    if thread.category.kind != CategoryKind.QA:
        return _("Bounties are offered on questions in a Q&A category.")
    if thread.is_deleted or thread.is_hidden or thread.merged_into_id:
        return _("This question is not open.")
    if thread.is_locked:
        return _("This question is locked.")
    if thread.accepted_answer_id:
        return _("This question already has an accepted answer.")
    return ""


def bounty_open_for_thread(*, thread_id: int) -> Bounty | None:
    return Bounty.objects.filter(thread_id=thread_id, state=BountyState.OPEN).first()


def bounties_for_thread(*, thread_id: int) -> list[Bounty]:
    """A thread's bounties, the open one first, then the closed ones newest first."""
    bounties = (
        Bounty.objects.filter(thread_id=thread_id)
        .select_related("offered_by__profile", "awarded_to__profile")
        .order_by("-started_at", "-id")
    )
    bounties = list(bounties[:20])
    bounties.sort(key=lambda bounty: bounty.state != BountyState.OPEN)
    return bounties


def bounties_open():
    """Open bounties on threads everyone may see, soonest to end first (the Bounties list)."""
    return (
        Bounty.objects.filter(state=BountyState.OPEN, thread__in=Thread.objects.visible())
        .select_related("thread__category", "offered_by__profile")
        .defer("thread__search_text")
        .order_by("ends_at", "id")
    )


def threads_with_bounties(threads) -> list[Thread]:
    """The threads as a list, each with `bounty_amount` (its open bounty's points, or None),
    from one query: the topic list marks bounty threads."""
    threads = list(threads)
    if not threads:
        return threads
    amounts = dict(
        Bounty.objects.filter(thread_id__in=[thread.pk for thread in threads], state=BountyState.OPEN).values_list(
            "thread_id", "amount"
        )
    )
    for thread in threads:
        thread.bounty_amount = amounts.get(thread.pk)
    return threads
