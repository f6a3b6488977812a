"""The counters behind trust levels, kept from what the stream records.

Each handler runs once per activity (community/activity), adds to the member's lifetime
and daily counters, then evaluates the member for promotion:

- ``account.visited``: a day visited (once a day);
- ``forum.thread.read``: a topic entered (first visit), posts read, seconds reading;
- ``forum.post.voted``: upvotes given and received (a withdrawn upvote takes them back;
  downvotes count for neither);
- ``forum.reply.posted``: a reply to someone else's topic;
- ``forum.moderation.action`` of kind ``suspend``: when the member was last suspended.
"""

from __future__ import annotations

from community.activity.handlers import activity_handler

from . import services


@activity_handler("account.visited", name="trust.count_visit")
def count_visit(activity) -> None:
    if activity.actor_id is None:
        return
    if services.stats_visit_record(user_id=activity.actor_id, day=services.utc_day(activity.occurred_at)):
        services.member_evaluate(user_id=activity.actor_id, now=activity.occurred_at)


@activity_handler("forum.thread.read", name="trust.count_read")
def count_read(activity) -> None:
    if activity.actor_id is None:
        return
    props = activity.properties
    services.stats_read_record(
        user_id=activity.actor_id,
        day=services.utc_day(activity.occurred_at),
        first_visit=bool(props.get("first_visit")),
        posts_read=int(props.get("posts_read") or 0),
        seconds=int(props.get("seconds") or 0),
    )
    services.member_evaluate(user_id=activity.actor_id)


@activity_handler("forum.post.voted", name="trust.count_like", batch=True)
def count_likes(activities) -> None:
    """Every vote on the site comes here: a batch is counted in a few statements, then the
    members who gave or received an upvote are evaluated together, once the batch is
    counted (a level reached mid-batch and lost again to a withdrawal in the same batch
    waits for the member's next counted activity, or the daily pass)."""
    likes, evaluate = [], set()
    for activity in activities:
        props = activity.properties
        if props.get("direction", "up") != "up":
            continue
        withdrawn = props.get("withdrawn", props.get("value", 1) < 0)
        author_id = props.get("post_author")
        likes.append((activity.actor_id, author_id, services.utc_day(activity.occurred_at), -1 if withdrawn else 1))
        if not withdrawn:
            evaluate |= {activity.actor_id, author_id} - {None}
    services.stats_likes_record(likes=likes)
    if evaluate:
        # An upvote moves likes and, through the ledger, reputation.
        services.members_evaluate(user_ids=evaluate, moved=("likes_given", "likes_received", "reputation"))


@activity_handler("forum.reply.posted", name="trust.count_reply")
def count_reply(activity) -> None:
    if activity.actor_id is None or activity.properties.get("thread_author") == activity.actor_id:
        return
    services.stats_reply_record(user_id=activity.actor_id, day=services.utc_day(activity.occurred_at))
    services.member_evaluate(user_id=activity.actor_id)


@activity_handler("forum.moderation.action", name="trust.count_suspension")
def count_suspension(activity) -> None:
    props = activity.properties
    if props.get("kind") != "suspend" or not props.get("target_user"):
        return
    services.stats_suspension_record(user_id=props["target_user"], at=activity.occurred_at)
