"""Days visited: a signed-in member's first page of a UTC day records ``account.visited``
(trust levels count the days; Discourse's "days visited").

It must cost a page nothing: no query (the user is looked at only if the view loaded it
already), and one Redis ``SET NX`` on a key per member and day, which only the day's
first request wins. The activity's dedupe key keeps it once a day even if the cache was
cleared meanwhile. Async requests (``/v1``) are API calls, not visits, and pass through.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.utils.functional import SimpleLazyObject, empty

from community.activity.services import activity_record
from portal.middleware import NoIOMiddleware

logger = logging.getLogger(__name__)

KEY_PREFIX = "accounts:visited:v1"


def visit_record(*, user, now: datetime | None = None) -> bool:
    """Record the member's visit of today (UTC) unless one is recorded; returns whether it
    recorded one."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    day = now.date().isoformat()
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    if not cache.add(f"{KEY_PREFIX}:{user.pk}:{day}", 1, timeout=int((midnight - now).total_seconds()) + 60):
        return False
    activity_record(
        actor=user,
        verb="account.visited",
        properties={"day": day},
        dedupe_key=f"account.visited:{user.pk}:{day}",
        occurred_at=now,
    )
    return True


class AccountVisitMiddleware(NoIOMiddleware):
    def __call__(self, request):
        if self.is_async:  # /v1 and the Playground's stream: API use, not a visit
            return self.get_response(request)
        return super().__call__(request)

    def after(self, request, response):
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject):
            # Only a user the request loaded anyway (a page that shows who is signed in).
            user = user._wrapped if user._wrapped is not empty else None
        if user is not None and getattr(user, "is_authenticated", False):
            try:
                visit_record(user=user)
            except Exception:  # a visit is never worth a failed page
                logger.exception("could not record the visit of user %s", user.pk)
        return response
