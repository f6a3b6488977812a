"""Bounties: a member spends points to draw answers to an open question.

The points leave the offerer's balance when the bounty opens (the rewards ledger's
``points_spend``, cause ``bounty:<id>``), in the same transaction as the bounty row, so a
double click, a retry or two tabs open one bounty and spend once: the thread's row is
locked while offering, and the database allows one open bounty per thread. The bounty
then closes exactly once, under a lock on its row:

- the asker accepts an answer by someone other than the offerer: that answer's author
  receives the points (``bounty_pay_accepted``, reacting to ``forum.answer.accepted``);
- when it ends (``BOUNTY_DURATION``, the beat task ``community.forums.bounties_close``):
  the accepted answer if there is one, else the best-voted answer posted during the bounty
  (score of at least 1; the oldest wins a tie) receives them; when nobody but the offerer
  answered during the bounty, or the thread was removed, they are refunded; otherwise
  the bounty lapses (the answers came; as on Stack Overflow the points are not returned).

Payment is the ledger's ``points_award`` with the rule ``forum.bounty.awarded`` and the
bounty's amount; the offerer is its counterpart, so the ledger's linked-account check
applies, and a refused award gives the points back to the offerer.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.activity.services import activity_record
from community.rewards import services as rewards
from portal.shipped import shipped_register

from .. import pagecache
from ..models import (
    BOUNTY_MAX_POINTS,
    BOUNTY_MIN_POINTS,
    Bounty,
    BountyAward,
    BountyState,
    Post,
    Thread,
)
from ..selectors.bounties import bounty_offer_allowed, bounty_offer_refusal, bounty_thread_eligible

logger = logging.getLogger(__name__)

BOUNTY_RULE = "forum.bounty.awarded"
# Why a bounty's points went back to its offerer: the ledger stores these and shows them translated.
REFUND_NO_ANSWERS = gettext_noop("Nobody else answered while the bounty was open.")
REFUND_THREAD_REMOVED = gettext_noop("The question was removed while the bounty was open.")
REFUND_REFUSED = gettext_noop("The bounty could not go to that answer: the two accounts look linked.")
shipped_register(REFUND_NO_ANSWERS, REFUND_THREAD_REMOVED, REFUND_REFUSED)
# ... and as the forum.bounty.refunded activity names them.
REFUND_CODES = {REFUND_NO_ANSWERS: "no_answers", REFUND_THREAD_REMOVED: "thread_removed", REFUND_REFUSED: "refused"}


def bounty_duration() -> timedelta:
    return timedelta(days=getattr(settings, "FORUM_BOUNTY_DAYS", 7))


def bounty_offer(*, user, thread: Thread, amount: int) -> Bounty:
    """Open a bounty of `amount` points on `thread`, spending them from `user`'s balance.

    Raises PermissionDenied when the member may not offer bounties, ValidationError when
    the amount is out of range, the thread cannot take one (not an open, unaccepted
    question, or one is open already) or the balance is short (the ledger's
    ``InsufficientPoints``); nothing is written then.
    """
    if not user.is_authenticated or not bounty_offer_allowed(user=user):
        raise PermissionDenied(bounty_offer_refusal())
    if not isinstance(amount, int) or not BOUNTY_MIN_POINTS <= amount <= BOUNTY_MAX_POINTS:
        raise ValidationError(
            {
                "amount": _("A bounty is between %(min)d and %(max)d points.")
                % {"min": BOUNTY_MIN_POINTS, "max": BOUNTY_MAX_POINTS}
            },
            code="amount",
        )
    with transaction.atomic():
        # Offers on one thread queue here: the second sees the first's bounty.
        thread = Thread.objects.select_for_update().select_related("category").defer("search_text").get(pk=thread.pk)
        reason = bounty_thread_eligible(thread=thread)
        if reason:
            raise ValidationError(reason, code="thread")
        if Bounty.objects.filter(thread=thread, state=BountyState.OPEN).exists():
            raise ValidationError(_("This question already has an open bounty."), code="open")
        now = timezone.now()
        bounty = Bounty(thread=thread, offered_by=user, amount=amount, started_at=now, ends_at=now + bounty_duration())
        bounty.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                bounty.save()
        except IntegrityError as exc:  # the one-open-bounty constraint, should the lock ever be bypassed
            raise ValidationError(_("This question already has an open bounty."), code="open") from exc
        try:
            rewards.points_spend(user_id=user.pk, amount=amount, cause=bounty.cause, note=thread.title[:200])
        except rewards.InsufficientPoints as exc:  # raising rolls the bounty back with the spend
            balance = (exc.params or {}).get("balance", 0)
            raise ValidationError(
                _("Not enough points: you have %(balance)d to spend, and this bounty needs %(amount)d.")
                % {"balance": balance, "amount": amount},
                code="insufficient_points",
            ) from exc
        activity_record(
            actor=user,
            verb="forum.bounty.offered",
            target=bounty,
            properties={
                "thread": thread.pk,
                "category": thread.category_id,
                "amount": amount,
                "ends_at": bounty.ends_at.isoformat(),
            },
        )
        pagecache.threads_changed([thread.pk])
    return bounty


def threads_with_open_bounty(*, thread_ids) -> set[int]:
    """Which of these threads have an open bounty (one query)."""
    open_bounties = Bounty.objects.filter(thread_id__in=set(thread_ids), state=BountyState.OPEN)
    return set(open_bounties.values_list("thread_id", flat=True))


def bounty_pay_accepted(*, thread_id: int, post_id: int) -> Bounty | None:
    """Pay the thread's open bounty to the accepted answer `post_id`, unless its author is
    the offerer (the bounty then stays open). Returns the bounty paid, or None."""
    bounty_id = Bounty.objects.filter(thread_id=thread_id, state=BountyState.OPEN).values_list("pk", flat=True).first()
    if bounty_id is None:
        return None
    with transaction.atomic():
        bounty = _lock_open(bounty_id)
        if bounty is None:
            return None
        post = Post.objects.filter(pk=post_id, thread_id=thread_id, is_first=False).first()
        if post is None or not _may_receive(bounty, post) or bounty.thread.accepted_answer_id != post.pk:
            return None
        _pay(bounty, post, BountyAward.ACCEPTED)
    return bounty


def bounty_close(*, bounty_id: int, now=None) -> Bounty | None:
    """Close one bounty whose time is over: pay, refund or let it lapse (see the module
    docstring). Returns the bounty closed, or None when it was not open and due."""
    now = now or timezone.now()
    with transaction.atomic():
        bounty = _lock_open(bounty_id)
        if bounty is None or bounty.ends_at > now:
            return None
        thread = bounty.thread
        if thread.is_deleted or thread.is_hidden or thread.merged_into_id:
            _refund(bounty, reason=REFUND_THREAD_REMOVED)
            return bounty
        answers = thread.posts.visible().filter(is_first=False, author__isnull=False)
        if bounty.offered_by_id is not None:
            answers = answers.exclude(author_id=bounty.offered_by_id)
        accepted = answers.filter(pk=thread.accepted_answer_id).first() if thread.accepted_answer_id else None
        if accepted is not None:
            _pay(bounty, accepted, BountyAward.ACCEPTED)
            return bounty
        during = answers.filter(created_at__gte=bounty.started_at)
        best = during.filter(score__gte=1).order_by("-score", "created_at", "id").first()
        if best is not None:
            _pay(bounty, best, BountyAward.BEST_VOTED)
        elif not during.exists():
            _refund(bounty, reason=REFUND_NO_ANSWERS)
        else:
            _close(bounty, BountyState.LAPSED)
    return bounty


def bounties_close_due(*, now=None, limit: int = 500) -> int:
    """Close every open bounty whose time is over (the beat task); returns how many closed.
    Each closes in its own transaction, so one failure holds back no other."""
    now = now or timezone.now()
    due = list(
        Bounty.objects.filter(state=BountyState.OPEN, ends_at__lte=now)
        .order_by("ends_at")
        .values_list("pk", flat=True)[:limit]
    )
    closed = 0
    for bounty_id in due:
        try:
            if bounty_close(bounty_id=bounty_id, now=now) is not None:
                closed += 1
        except Exception:  # one bounty's failure (logged) must not hold back the others
            logger.exception("closing bounty %s failed", bounty_id)
    return closed


# --- Internals ---------------------------------------------------------------------------------------


def _lock_open(bounty_id: int) -> Bounty | None:
    return (
        Bounty.objects.select_for_update(of=("self",))
        .select_related("thread")
        .defer("thread__search_text")
        .filter(pk=bounty_id, state=BountyState.OPEN)
        .first()
    )


def _may_receive(bounty: Bounty, post: Post) -> bool:
    visible = not (post.is_deleted or post.is_hidden)
    return visible and post.author_id is not None and post.author_id != bounty.offered_by_id


def _close(bounty: Bounty, state: str, **fields) -> None:
    bounty.state = state
    bounty.closed_at = timezone.now()
    for name, value in fields.items():
        setattr(bounty, name, value)
    bounty.save(update_fields=["state", "closed_at", *fields])
    pagecache.threads_changed([bounty.thread_id])


def _pay(bounty: Bounty, post: Post, award: str) -> None:
    thread = bounty.thread
    entry = rewards.points_award(
        user_id=post.author_id,
        rule=BOUNTY_RULE,
        cause=bounty.cause,
        counterpart_id=bounty.offered_by_id,
        category_id=thread.category_id,
        amount=bounty.amount,
        note=thread.title[:200],
    )
    if entry is not None and entry.kind == "refused":
        # The ledger refused it (the offerer and the answerer look like one person): the
        # points go back to where they came from rather than nowhere.
        _refund(bounty, reason=REFUND_REFUSED)
        return
    _close(bounty, BountyState.AWARDED, awarded_post=post, awarded_to_id=post.author_id, award=award)
    activity_record(
        actor=post.author_id,
        verb="forum.bounty.awarded",
        target=bounty,
        properties={
            "thread": thread.pk,
            "post": post.pk,
            "category": thread.category_id,
            "amount": bounty.amount,
            "offered_by": bounty.offered_by_id,
            "award": award,
        },
    )


def _refund(bounty: Bounty, *, reason: str) -> None:
    if bounty.offered_by_id is not None:
        rewards.points_refund(user_id=bounty.offered_by_id, cause=bounty.cause, reason=reason)
    _close(bounty, BountyState.REFUNDED)
    activity_record(
        actor=bounty.offered_by_id,
        verb="forum.bounty.refunded",
        target=bounty,
        properties={
            "thread": bounty.thread_id,
            "category": bounty.thread.category_id,
            "amount": bounty.amount,
            "reason": REFUND_CODES[reason],
        },
    )
