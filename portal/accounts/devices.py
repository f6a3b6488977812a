"""Where a sign-up or login came from, as keyed hashes: what tells linked accounts apart.

Each browser that signs up or logs in gets a long-lived random cookie, ``atrium_device``
(HttpOnly, SameSite=Lax, two years; Secure where the session cookie is). The accounts'
``account.signed_up`` and ``account.logged_in`` activities carry ``ip_hash`` and
``device_hash``, HMACs keyed with SECRET_KEY of the client's IP address and of that
cookie: the raw values are never stored, and the hashes mean nothing outside this site.
The rewards app reads them to keep one person's accounts from earning from each other.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings

from portal.middleware import NoIOMiddleware

DEVICE_COOKIE = "atrium_device"
DEVICE_COOKIE_MAX_AGE = 2 * 365 * 24 * 60 * 60
_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# Set on the request when a sign-up or login gave this browser its device id.
REQUEST_ATTRIBUTE = "atrium_device_new"


def _keyed(kind: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def device_id(request) -> str:
    """The browser's device id: its cookie, or a new one (set on the response by the middleware)."""
    existing = request.COOKIES.get(DEVICE_COOKIE, "")
    if _DEVICE_ID.match(existing):
        return existing
    new = getattr(request, REQUEST_ATTRIBUTE, None)
    if new is None:
        new = secrets.token_urlsafe(24)
        setattr(request, REQUEST_ATTRIBUTE, new)
    return new


def request_fingerprint(request) -> dict[str, str]:
    """``ip_hash`` and ``device_hash`` of a request, for an activity's properties."""
    if request is None:
        return {}
    ip = request.META.get("REMOTE_ADDR") or ""
    return {"ip_hash": _keyed("ip", ip) if ip else "", "device_hash": _keyed("device", device_id(request))}


class DeviceCookieMiddleware(NoIOMiddleware):
    """Sets ``atrium_device`` on the response of a sign-up or login that gave the browser
    its id. No I/O: under ASGI it runs on the event loop."""

    def after(self, request, response):
        device = getattr(request, REQUEST_ATTRIBUTE, None)
        if device:
            response.set_cookie(
                DEVICE_COOKIE,
                device,
                max_age=DEVICE_COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
