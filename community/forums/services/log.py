"""The moderation log's one writer: every moderation action, and the system's own
(the key-leak guard), is logged here with who took it, on what, and why, and recorded
on the activity stream (the notifications app tells the member it concerns)."""

from __future__ import annotations

from community.activity.services import activity_record

from ..models import ModerationAction


def moderation_log_write(
    *, actor, kind: str, thread=None, post=None, target_user=None, reason: str = "", **details
) -> ModerationAction:
    entry = ModerationAction(
        actor=actor, kind=kind, thread=thread, post=post, target_user=target_user, reason=reason[:500], details=details
    )
    entry.full_clean()
    entry.save()
    activity_record(
        actor=actor,
        verb="forum.moderation.action",
        target=entry,
        properties={
            "kind": kind,
            "thread": entry.thread_id,
            "post": entry.post_id,
            "target_user": entry.target_user_id,
        },
    )
    return entry
