"""Time spent reading a thread, from the page's beacon (static/forums/reading.js).

The thread page gives a signed-in reader a visit token (signed: who, which thread, when,
and a random visit id). While the page is open the script counts the seconds it is
visible and, when the page is hidden or left, sends the total so far with the token
(``navigator.sendBeacon``, with the CSRF token). The server grants only what the visit
has not reported yet, never more than the time since the page was served, and at most
``FORUM_READ_MAX_SECONDS_PER_VISIT`` a visit however often the beacon fires, then records
``forum.thread.read`` with those seconds (trust levels count them).
"""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from community.activity.services import activity_record

from ..models import Thread

VISIT_SALT = "community.forums.reading-visit"
VISIT_MAX_AGE = 12 * 3600  # a page left open longer than this reports nothing more
VISIT_KEY_PREFIX = "forums:read-visit:v1"
# Slack for the beacon's own rounding and the network between page and beacon.
CLOCK_SLACK_SECONDS = 5


def max_seconds_per_visit() -> int:
    return int(getattr(settings, "FORUM_READ_MAX_SECONDS_PER_VISIT", 1800))


def reading_visit_token(*, user, thread: Thread, now: float | None = None) -> str:
    """A token for one visit of a signed-in member to a thread page."""
    now = time.time() if now is None else now
    return signing.dumps({"u": user.pk, "t": thread.pk, "at": int(now), "v": secrets.token_hex(8)}, salt=VISIT_SALT)


def thread_reading_time_record(*, user, thread: Thread, token: str, seconds, now: float | None = None) -> int:
    """Add the reading time this visit has not reported yet (capped); returns the seconds
    granted. A forged, expired or someone else's token is refused."""
    if not user.is_authenticated:
        raise PermissionDenied
    try:
        visit = signing.loads(token, salt=VISIT_SALT, max_age=VISIT_MAX_AGE)
        reported = int(seconds)
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise ValidationError(_("This reading visit is not valid.")) from exc
    if visit.get("u") != user.pk or visit.get("t") != thread.pk:
        raise ValidationError(_("This reading visit is not valid."))
    now = time.time() if now is None else now
    elapsed = int(now - visit["at"]) + CLOCK_SLACK_SECONDS
    allowed = max(min(reported, elapsed, max_seconds_per_visit()), 0)
    key = f"{VISIT_KEY_PREFIX}:{visit['v']}"
    cache.add(key, 0, timeout=VISIT_MAX_AGE)
    delta = allowed - int(cache.get(key) or 0)
    if delta <= 0:
        return 0
    total = cache.incr(key, delta)
    if total > allowed:  # another beacon of this visit counted part of it meanwhile
        excess = min(total - allowed, delta)
        cache.decr(key, excess)
        delta -= excess
    if delta <= 0:
        return 0
    activity_record(
        actor=user,
        verb="forum.thread.read",
        target=thread,
        properties={
            "thread": thread.pk,
            "category": thread.category_id,
            "first_visit": False,
            "posts_read": 0,
            "seconds": delta,
        },
    )
    return delta
