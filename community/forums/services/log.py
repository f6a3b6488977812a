"""The moderation log's one writer: every moderation action, and the system's own
(the key-leak guard), is recorded here with who took it, on what, and why."""

from __future__ import annotations

from ..models import ModerationAction


def moderation_log_write(
    *, actor, kind: str, thread=None, post=None, target_user=None, reason: str = "", **details
) -> ModerationAction:
    entry = ModerationAction(
        actor=actor, kind=kind, thread=thread, post=post, target_user=target_user, reason=reason[:500], details=details
    )
    entry.full_clean()
    entry.save()
    return entry
