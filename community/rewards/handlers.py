"""Points from what members do: each activity awards (or reverses) through the services.

Causes name what earned the points, so that undoing it finds the award: a vote is
``vote:<post>:<voter>``, an accepted answer ``accept:<post>``, a post removed as spam
``spam:<post>``. Each handler runs once per activity (its ``HandlerRun``), and the
services write at most one entry per activity and one live award per cause besides, so
a redelivered activity never pays twice.
"""

from __future__ import annotations

from community.activity.handlers import activity_handler

from .linked import account_signal_record
from .services import (
    REASON_SPAM_CLEARED,
    REASON_UNACCEPTED,
    REASON_VOTE_WITHDRAWN,
    Award,
    Reversal,
    points_apply,
    points_award,
    points_reverse,
)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _post_id(activity) -> int | None:
    return _int(activity.properties.get("post")) or _int(activity.target_id)


@activity_handler("forum.post.voted", name="rewards.vote", batch=True)
def votes(activities):
    """Up: +5 (question) or +10 (answer) to the author. Down: -2 to the author and, on
    answers, -1 to the voter. Withdrawn: the same entries reversed. Every vote on the site
    comes here: a batch of them is written together (``points_apply``)."""
    points_apply(operation for activity in activities for operation in _vote_operations(activity))


def _vote_operations(activity) -> list[Award | Reversal]:
    props = activity.properties
    author, voter, post = _int(props.get("post_author")), activity.actor_id, _post_id(activity)
    if author is None or voter is None or post is None:
        return []
    value = _int(props.get("value")) or 0
    withdrawn = bool(props.get("withdrawn", value < 0))
    direction = props.get("direction") or "up"
    is_question = bool(props.get("is_question", False))
    category = _int(props.get("category"))
    cause = f"vote:{post}:{voter}"
    if direction == "up":
        awards = [(author, "forum.question.upvoted" if is_question else "forum.answer.upvoted", voter)]
    else:
        awards = [(author, "forum.post.downvoted", voter)]
        if not is_question:
            awards.append((voter, "forum.downvote.cast", author))
    return _operations(
        activity, awards, cause=cause, category=category, undo=REASON_VOTE_WITHDRAWN if withdrawn else ""
    )


@activity_handler("forum.answer.accepted", "forum.answer.unaccepted", name="rewards.accept", batch=True)
def accepts(activities):
    """+15 to the answer's author, +2 to whoever accepted it (not for their own answer);
    reversed when the answer is un-accepted."""
    points_apply(operation for activity in activities for operation in _accept_operations(activity))


def _accept_operations(activity) -> list[Award | Reversal]:
    props = activity.properties
    author, acceptor, post = _int(props.get("answer_author")), activity.actor_id, _post_id(activity)
    if author is None or post is None:
        return []
    cause = f"accept:{post}"
    awards = [(author, "forum.answer.accepted", acceptor)]
    if acceptor is not None and acceptor != author:
        awards.append((acceptor, "forum.answer.accepting", author))
    undo = REASON_UNACCEPTED if activity.verb == "forum.answer.unaccepted" else ""
    return _operations(activity, awards, cause=cause, category=_int(props.get("category")), undo=undo)


def _operations(activity, awards, *, cause: str, category: int | None, undo: str) -> list[Award | Reversal]:
    """Each (member, rule, counterpart) of ``awards`` awarded for ``cause``, or, with an
    ``undo`` reason, the awards reversed."""
    if undo:
        return [
            Reversal(user_id=user_id, rule=rule, cause=cause, reason=undo, activity_id=activity.id)
            for user_id, rule, _counterpart in awards
        ]
    return [
        Award(
            user_id=user_id,
            rule=rule,
            cause=cause,
            activity_id=activity.id,
            counterpart_id=counterpart,
            category_id=category,
        )
        for user_id, rule, counterpart in awards
    ]


@activity_handler("forum.post.removed_as_spam", "forum.post.spam_cleared", name="rewards.spam")
def spam(activity):
    """-100 to the author of a post removed as spam; given back if it is restored."""
    author, post = _int(activity.properties.get("post_author")), _post_id(activity)
    if author is None or post is None:
        return
    cause = f"spam:{post}"
    if activity.verb == "forum.post.spam_cleared":
        points_reverse(
            user_id=author, rule="forum.post.spam", cause=cause, reason=REASON_SPAM_CLEARED, activity_id=activity.id
        )
    else:
        points_award(
            user_id=author,
            rule="forum.post.spam",
            cause=cause,
            activity_id=activity.id,
            category_id=_int(activity.properties.get("category")),
        )


# One award ever per member: (verb, rule, cause).
_ONCE = {
    "account.email_verified": ("account.email_verified", "verified"),
    "api.first_call": ("api.first_call", "first_call"),
    "finetune.job.succeeded": ("finetune.first_success", "finetune.first"),
}


@activity_handler(*_ONCE, name="rewards.once")
def once(activity):
    """Email verified +5, first successful API call +10, first fine-tuning job that succeeds
    +20: each once ever (the award is never reversed, so its cause stays taken)."""
    if activity.actor_id is None:
        return
    rule, cause = _ONCE[activity.verb]
    points_award(user_id=activity.actor_id, rule=rule, cause=cause, activity_id=activity.id)


@activity_handler("docs.feedback.given", name="rewards.docs_feedback")
def docs_feedback(activity):
    """+1 for feedback on a docs page (once per page, within the rule's daily cap)."""
    slug = str(activity.properties.get("slug") or activity.target_id)
    if activity.actor_id is None or not slug:
        return
    points_award(
        user_id=activity.actor_id, rule="docs.feedback", cause=f"docs.feedback:{slug}"[:200], activity_id=activity.id
    )


@activity_handler("account.signed_up", "account.logged_in", name="rewards.account_signals")
def account_signals(activity):
    """Keep where accounts sign up and log in from (keyed hashes), to tell linked accounts."""
    if activity.actor_id is None:
        return
    account_signal_record(
        user_id=activity.actor_id,
        ip_hash=str(activity.properties.get("ip_hash") or ""),
        device_hash=str(activity.properties.get("device_hash") or ""),
        signed_up=activity.verb == "account.signed_up",
        seen_at=activity.occurred_at,
    )
