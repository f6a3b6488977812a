"""What the badges app counts from the activity stream, and when it awards.

Each handler runs once per activity (its counters and awards commit with its run), so a
counter never counts an activity twice however often the stream delivers it. Evaluation
is inline: it reads one member's counters (or one post's score) and the badges they hold,
a few queries, so it commits with the counters that triggered it; the daily beat task
(``community.badges.evaluate_all``) catches anything this missed.
"""

from __future__ import annotations

from community.activity.handlers import activity_handler

from . import services
from .models import PostTally

QA = "qa"

# Verbs that add one to a counter of their actor.
ACTOR_COUNTERS = {
    "apikey.created": "keys_created",
    "api.first_call": "first_calls",
    "account.email_verified": "emails_verified",
    "finetune.job.succeeded": "finetunes_succeeded",
    # Recorded once per member and UTC day: the count is the days with a streamed reply.
    "playground.reply.streamed": "streamed_days",
    # Issue 17: each of these is recorded once per member and event, entry, application or prize.
    "event.attended": "events_attended",
    "showcase.entry.published": "showcase_entries",
    # The actor of a featured entry is its author (a manager features it: properties say who).
    "showcase.entry.featured": "showcase_featured",
    "ambassador.accepted": "ambassador",
    "hackathon.prize.awarded": "hackathon_prizes",
}


@activity_handler(*ACTOR_COUNTERS, name="badges.count_actor")
def count_actor(activity) -> None:
    if activity.actor_id is None:
        return
    _count(user_id=activity.actor_id, activity=activity, **{ACTOR_COUNTERS[activity.verb]: 1})


def _count(*, user_id, activity, **deltas: int) -> None:
    """Move a member's counters and award the badges they just reached."""
    tally = services.tally_add(user_id=user_id, **deltas)
    if tally is not None:
        services.badges_crossed(tally=tally, deltas=deltas, activity_id=activity.id)


@activity_handler("recipe.fork.succeeded", name="badges.count_recipe_forks")
def count_recipe_forks(activity) -> None:
    """Recipe Author: a job someone else forked from the member's recipe succeeded (the
    counter is the recipe's author's; forking your own recipe earns nothing)."""
    author_id = activity.properties.get("recipe_author")
    if author_id is None or author_id == activity.actor_id:
        return
    _count(user_id=int(author_id), activity=activity, recipe_forks_succeeded=1)


@activity_handler("forum.thread.posted", "forum.reply.posted", name="badges.count_posts")
def count_post(activity) -> None:
    """Questions and answers in Q&A categories: an answer counts when it answers someone else."""
    properties = activity.properties
    if properties.get("category_kind") != QA:
        return
    is_question = activity.verb == "forum.thread.posted"
    author_id = activity.actor_id  # None when the account is gone (the consumer checks)
    services.post_tally_start(
        post_id=int(properties["post"]),
        author_id=author_id,
        thread_id=properties.get("thread"),
        is_question=is_question,
    )
    if author_id is None:
        return
    if is_question:
        _count(user_id=author_id, activity=activity, questions=1)
    elif properties.get("thread_author") != author_id:
        _count(user_id=author_id, activity=activity, answers=1)


def _upvote_change(properties: dict) -> int:
    """+1 for an upvote given, -1 for one withdrawn, 0 for a downvote.

    ``value`` is the score change; ``direction`` and ``withdrawn`` say which vote it was (a
    member switching from up to down is two activities: the upvote withdrawn, the downvote
    given). Before the forums had downvotes a vote was an upvote and a negative value its
    withdrawal, which activities stored then still say.
    """
    value = int(properties.get("value") or 0)
    if (properties.get("direction") or "up") != "up":
        return 0
    return -1 if properties.get("withdrawn", value < 0) else 1


@activity_handler("forum.post.voted", name="badges.count_votes", batch=True)
def count_votes(activities) -> None:
    """Upvotes given (Supporter) and received (Helpful), and a Q&A post's score (Nice Answer,
    ...). Every vote on the site comes here: a batch moves the counters in a few
    statements, one vote after another in memory, and only a counter that crossed a
    threshold costs a query more."""
    members, posts, qa_posts = [], [], {}
    for activity in activities:
        properties = activity.properties
        change = _upvote_change(properties)
        if change:
            members.append((activity.actor_id, {"upvotes_given": change}, activity.id))
            members.append((properties.get("post_author"), {"upvotes_received": change}, activity.id))
        post_id = int(activity.target_id)
        posts.append((post_id, int(properties.get("value") or 0), activity.id))
        if properties.get("category_kind") == QA:
            qa_posts[post_id] = properties
    services.tallies_move(moves=members)
    # Q&A posts written before the badges app counted start counting now.
    counted = services.post_tallies_counted(post_ids=qa_posts)
    missing = {post_id: props for post_id, props in qa_posts.items() if post_id not in counted}
    if missing:
        authors = services.existing_user_ids(props.get("post_author") for props in missing.values())
        services.post_tallies_start(
            tallies=[
                PostTally(
                    post_id=post_id,
                    author_id=props.get("post_author") if props.get("post_author") in authors else None,
                    thread_id=props.get("thread"),
                    is_question=bool(props.get("is_question")),
                )
                for post_id, props in missing.items()
            ]
        )
    services.post_scores_move(moves=posts)


@activity_handler("forum.answer.accepted", "forum.answer.unaccepted", name="badges.count_accepted", batch=True)
def count_accepted(activities) -> None:
    """Accepted answers (Solved ×10); an asker accepting their own answer does not count."""
    services.tallies_move(
        moves=[
            (
                activity.properties.get("answer_author"),
                {"accepted": 1 if activity.verb == "forum.answer.accepted" else -1},
                activity.id,
            )
            for activity in activities
            if activity.properties.get("answer_author") != activity.properties.get("asker")
        ]
    )
