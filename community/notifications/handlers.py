"""What the notifications app does when something happens in the forums.

The forums record activities (community.activity); these handlers, registered from
``NotificationsConfig.ready()``, turn them into notifications: replies, mentions,
watched threads and categories, accepted answers, and what moderation did to a member.
Each handler runs once per activity (its notifications commit with its run), and mail
goes out after that commit (``notifications_create``). Nobody hears of their own action.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from community.activity.handlers import activity_handler
from community.forums import selectors as forums
from portal.accounts.selectors import active_users_by_handles

from .models import NotificationKind
from .services import Notice, notices_send, notifications_create


def _name(user) -> str:
    return user.profile.name if user is not None else _("deleted user")


@activity_handler("forum.thread.posted", "forum.reply.posted", name="notifications.new_post")
def notify_new_post(activity) -> None:
    """Mentioned members first, then the thread's author (a reply), then watchers: one
    notification each, and none for the author of the post."""
    post = forums.post_for_notice(pk=activity.properties["post"])
    if post is None or post.is_deleted or post.is_hidden:
        return
    thread, author = post.thread, post.author
    url = post.get_absolute_url()
    notified = {activity.actor_id}
    mentioned = [
        user
        for user in active_users_by_handles(handles=activity.properties.get("mentions", []))
        if user.pk not in notified
    ]
    if mentioned:
        notifications_create(
            recipients=mentioned,
            kind=NotificationKind.MENTION,
            actor=author,
            url=url,
            title=_("%(name)s mentioned you in “%(title)s”") % {"name": _name(author), "title": thread.title},
        )
        notified |= {user.pk for user in mentioned}
    if not post.is_first and thread.author and thread.author_id not in notified:
        notifications_create(
            recipients=[thread.author],
            kind=NotificationKind.REPLY,
            actor=author,
            url=url,
            title=_("%(name)s replied to “%(title)s”") % {"name": _name(author), "title": thread.title},
        )
        notified.add(thread.author_id)
    if post.is_first:
        watching = forums.watchers(category_id=thread.category_id)
        title = _("New thread in %(category)s: “%(title)s”") % {"category": thread.category.name, "title": thread.title}
    else:
        watching = forums.watchers(thread_id=thread.pk)
        title = _("New reply in “%(title)s”") % {"title": thread.title}
    watching = [user for user in watching if user.pk not in notified]
    if watching:
        notifications_create(recipients=watching, kind=NotificationKind.WATCHED, actor=author, url=url, title=title)


@activity_handler("forum.post.edited", name="notifications.edit_mentions")
def notify_edit_mentions(activity) -> None:
    """An edit that links new @handles notifies only those members."""
    handles = activity.properties.get("new_mentions") or []
    post = forums.post_for_notice(pk=int(activity.target_id)) if handles else None
    if post is None:
        return
    recipients = [u for u in active_users_by_handles(handles=handles) if u.pk != activity.actor_id]
    if recipients:
        editor = activity.actor
        notifications_create(
            recipients=recipients,
            kind=NotificationKind.MENTION,
            actor=editor,
            url=post.get_absolute_url(),
            title=_("%(name)s mentioned you in “%(title)s”") % {"name": _name(editor), "title": post.thread.title},
        )


@activity_handler("forum.answer.accepted", name="notifications.answer_accepted", batch=True)
def notify_answers_accepted(activities) -> None:
    posts = forums.posts_for_notice(pks=[int(activity.target_id) for activity in activities])
    actors = get_user_model().objects.in_bulk({activity.actor_id for activity in activities} - {None})
    notices = []
    for activity in activities:
        post = posts.get(int(activity.target_id))
        if post is None or post.author is None or post.author_id == activity.actor_id:
            continue
        notices.append(
            Notice(
                recipient=post.author,
                kind=NotificationKind.ACCEPTED,
                actor=actors.get(activity.actor_id),
                url=post.get_absolute_url(),
                title=_("Your answer in “%(title)s” was accepted") % {"title": post.thread.title},
            )
        )
    notices_send(notices=notices)


@activity_handler("forum.bounty.awarded", name="notifications.bounty_awarded")
def notify_bounty_awarded(activity) -> None:
    """The member whose answer received a bounty hears of it (accepted or best-voted)."""
    post = forums.post_for_notice(pk=int(activity.properties.get("post") or 0))
    if post is None or activity.actor is None:
        return
    notifications_create(
        recipients=[activity.actor],
        kind=NotificationKind.BOUNTY,
        actor=None,
        url=post.get_absolute_url(),
        title=_("Your answer in “%(title)s” received a bounty of %(amount)s points")
        % {"title": post.thread.title, "amount": activity.properties.get("amount")},
    )


@activity_handler("forum.moderation.action", name="notifications.moderation")
def notify_moderation(activity) -> None:
    """A hidden post and a suspension are told to the member; a redacted key to its writer."""
    kind = activity.properties.get("kind")
    if kind not in ("hide", "suspend", "key_redacted"):
        return
    entry = forums.moderation_action_get(pk=int(activity.target_id))
    if entry is None or entry.target_user_id is None:
        return
    recipient = entry.target_user
    if kind == "hide" and entry.post is not None:
        notifications_create(
            recipients=[recipient],
            kind=NotificationKind.MODERATION,
            actor=None,
            url=entry.post.get_absolute_url(),
            title=_("A moderator hid your post in “%(title)s”: %(reason)s")
            % {"title": entry.thread.title if entry.thread else "", "reason": entry.reason},
        )
    elif kind == "suspend":
        notifications_create(
            recipients=[recipient],
            kind=NotificationKind.MODERATION,
            actor=None,
            url="/community/",
            title=_("You are suspended from posting until %(date)s: %(reason)s")
            % {"date": (entry.details.get("ends_at") or "")[:10], "reason": entry.reason},
        )
    elif kind == "key_redacted" and entry.post is not None:
        notifications_create(
            recipients=[recipient],
            kind=NotificationKind.SECURITY,
            actor=None,
            url=entry.post.get_absolute_url(),
            title=_(
                "Your post contained a live Atrium API key. We redacted it and revoked the key; "
                "its owner was emailed a link to roll it."
            ),
        )


@activity_handler("rewards.level.changed", name="notifications.level_reached")
def notify_level_reached(activity) -> None:
    """A member promoted to a trust level hears of it, with a link to what it unlocks."""
    props = activity.properties
    if activity.actor is None or int(props.get("new") or 0) <= int(props.get("old") or 0):
        return
    notifications_create(
        recipients=[activity.actor],
        kind=NotificationKind.LEVEL,
        actor=None,
        url=reverse("trust:levels"),
        title=_("You reached trust level %(level)s. See what it unlocks.")
        % {"level": _(props.get("level_name") or "")},  # the name is its label's msgid
    )
