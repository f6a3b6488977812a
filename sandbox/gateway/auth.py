"""Authentication and scopes for /v1: ``Authorization: Bearer atr_live_...``.

``ApiKeyAuthentication`` (DRF) sets ``request.user`` to the key's owner and
``request.auth`` to the ApiKey; ``HasScope`` checks the view's ``required_scope`` and
lets ``read-only`` keys GET only. The async gateway views use ``aauthenticate_secret``,
which answers from Redis without a database query on the hot path.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from portal.apikeys.cache import KeyGrant
from portal.apikeys.selectors import Scope, aapi_key_grant, api_key_grant, api_key_live_with_owner

MISSING_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
)


def _keys_url() -> str:
    return settings.SITE_URL.rstrip("/") + "/keys/"


class InvalidApiKey(exceptions.AuthenticationFailed):
    openai_code = "invalid_api_key"


class InsufficientScope(exceptions.PermissionDenied):
    openai_code = "insufficient_scope"


def bearer_secret(authorization: str) -> str | None:
    """The secret in an Authorization header, or None when there is no Bearer credential."""
    scheme, _, credential = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        return None
    return credential.strip()


def check_grant(grant: KeyGrant | None) -> KeyGrant:
    """Raise 401 for unknown, revoked or expired keys. Messages never contain the secret."""
    if grant is None:
        raise InvalidApiKey(f"Incorrect API key provided. You can find your API keys at {_keys_url()}.")
    if grant.revoked:
        raise InvalidApiKey(f"This API key has been revoked. You can create a new one at {_keys_url()}.")
    if grant.expires_at is not None and grant.expires_at <= time.time():
        raise InvalidApiKey(f"This API key has expired. You can create a new one at {_keys_url()}.")
    return grant


def user_for_grant(grant: KeyGrant):
    """The key's owner as a User that holds only its primary key (no query), for scoping."""
    return get_user_model()(pk=grant.user_id, is_active=True)


SIGN_IN = "Sign in to use the Playground."


async def aauthenticate_session(request) -> KeyGrant:
    """The signed-in browser session as a caller (the Playground): the account's own grant,
    inference only, with no key; limits and metering then apply as to a key's calls."""
    user = await request.auser()
    if not user.is_authenticated or not user.is_active:
        raise exceptions.NotAuthenticated(SIGN_IN)
    return KeyGrant(key_id=None, user_id=user.pk, scopes=(Scope.INFERENCE.value,), expires_at=None, revoked=False)


async def aauthenticate_secret(authorization: str, *, redis) -> KeyGrant:
    secret = bearer_secret(authorization)
    if secret is None:
        raise exceptions.NotAuthenticated(MISSING_KEY)
    return check_grant(await aapi_key_grant(secret=secret, redis=redis))


class ApiKeyAuthentication(BaseAuthentication):
    """DRF authentication by API key: ``request.user`` is the owner, ``request.auth`` the ApiKey."""

    def authenticate(self, request):
        secret = bearer_secret(request.META.get("HTTP_AUTHORIZATION", ""))
        if secret is None:
            return None
        grant = check_grant(api_key_grant(secret=secret))
        key = api_key_live_with_owner(key_id=grant.key_id)
        if key is None:
            raise InvalidApiKey(f"Incorrect API key provided. You can find your API keys at {_keys_url()}.")
        return key.user, key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def key_allows(*, scopes, method: str, required_scope: str | None) -> bool:
    """Whether a key with ``scopes`` may make a ``method`` request to a view needing ``required_scope``."""
    scopes = set(scopes)
    if Scope.READ_ONLY in scopes:
        return method in SAFE_METHODS
    return required_scope is None or required_scope in scopes


class HasScope(BasePermission):
    """The key carries the view's ``required_scope``; ``read-only`` keys may only GET."""

    def has_permission(self, request, view):
        if request.auth is None or not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated(MISSING_KEY)
        scopes = getattr(request.auth, "scopes", ())
        required = getattr(view, "required_scope", None)
        if not key_allows(scopes=scopes, method=request.method, required_scope=required):
            if Scope.READ_ONLY in scopes and request.method not in SAFE_METHODS:
                raise InsufficientScope("This API key is read-only: it may only make GET requests.")
            raise InsufficientScope(
                f"This API key does not have the `{required}` scope this endpoint needs. "
                f"Create a key with that scope at {_keys_url()}."
            )
        return True
