"""Base views for everything under /v1: API-key auth, scopes, rate limits and OpenAI's
error shape come from here, so no endpoint can forget them.

- ``V1View``: a DRF APIView for synchronous endpoints (files, fine-tuning jobs). Set
  ``required_scope``; ``request.user`` is the key's owner, ``request.auth`` the ApiKey.
- ``AsyncV1View``: the same contract for ``async def`` handlers (inference), served
  without a thread hop on the hot path: the key is checked in Redis, and
  ``request.auth`` is a ``KeyGrant`` (key id, scopes), ``request.user`` a User holding
  only the owner's primary key.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.apikeys.cache import KeyGrant
from portal.apikeys.keyformat import redact_keylike
from portal.asyncdb import database_sync_to_async
from portal.redis_client import get_redis
from sandbox.usage.services import ERROR_MESSAGE_MAX_CHARS, usage_record_enqueue

from . import boosts, ratelimit
from .auth import ApiKeyAuthentication, HasScope, aauthenticate_secret, user_for_grant
from .errors import error_body, openai_exception_handler
from .parsers import V1JSONParser
from .redis import async_redis
from .requestid import HEADER as REQUEST_ID_HEADER
from .requestid import request_id_of

logger = logging.getLogger(__name__)


class V1View(APIView):
    """A synchronous /v1 endpoint. Subclasses set ``required_scope``."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    renderer_classes = [JSONRenderer]
    required_scope: str | None = None
    ratelimit_headers: dict[str, str] = {}
    # The endpoint a synchronous view's calls are metered under ("files", "fine_tuning.jobs");
    # the async inference views meter themselves (views.MeteredView).
    metered_endpoint: str | None = None

    def get_exception_handler(self):
        return openai_exception_handler

    def handle_exception(self, exc):
        try:
            return super().handle_exception(exc)
        except Exception:
            # Never an HTML 500 (or a traceback) on the API: log it, answer in OpenAI's shape.
            logger.exception("unhandled error in %s", type(self).__name__)
            return Response(
                error_body(
                    message="The server had an error while processing your request.",
                    type="server_error",
                    code="server_error",
                    request_id=request_id_of(self.request),
                ),
                status=status.HTTP_500_INTERNAL_SERVER_ERROR,
            )

    def initial(self, request, *args, **kwargs):
        self.ratelimit_headers = {}
        self.started = time.monotonic()
        super().initial(request, *args, **kwargs)
        if settings.GATEWAY_POLICY_ENABLED:
            multiplier = boosts.rate_limit_multiplier(user_id=request.user.pk)
            limiter = ratelimit.RateLimiter(
                user_id=request.user.pk,
                key_id=request.auth.pk,
                limits=ratelimit.Limits.for_grant(request.auth, multiplier=multiplier),
            )
            decision = limiter.admit(get_redis(), tokens=0)
            self.ratelimit_headers = decision.headers
            if not decision.allowed:
                raise ratelimit.refused(decision)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in self.ratelimit_headers.items():
            response.setdefault(name, value)
        response.setdefault(REQUEST_ID_HEADER, request_id_of(request))
        if self.metered_endpoint:
            self.meter(request, response)
        return response

    def meter(self, request, response) -> None:
        """Record an authenticated call of a synchronous endpoint, whatever its outcome
        (write-behind, as the inference views do; no model, no tokens)."""
        user, key = getattr(request, "user", None), getattr(request, "auth", None)
        if key is None or not getattr(user, "is_authenticated", False) or not settings.GATEWAY_POLICY_ENABLED:
            return
        data = getattr(response, "data", None)
        error = (data.get("error") or {}) if response.status_code >= 400 and isinstance(data, dict) else {}
        usage_record_enqueue(
            request_id=request_id_of(request),
            user_id=user.pk,
            key_id=key.pk,
            endpoint=self.metered_endpoint,
            status=response.status_code,
            error_code=error.get("code") or "",
            error_message=redact_keylike(error.get("message") or "")[:ERROR_MESSAGE_MAX_CHARS],
            latency_ms=int((time.monotonic() - getattr(self, "started", time.monotonic())) * 1000),
            ts=time.time(),
            model="",
            prompt_tokens=0,
            completion_tokens=0,
            cost="0",
            stream=False,
        )


class AsyncV1View(V1View):
    """A /v1 endpoint with ``async def`` handlers, dispatched without a thread hop."""

    metered_endpoint = None  # metered by views.MeteredView, with model and tokens

    # Inference views admit once they know the tokens to reserve (one Redis call per request).
    admit_on_entry = True

    async def options(self, request, *args, **kwargs):
        return super().options(request, *args, **kwargs)

    async def ainitial(self, request, *args, **kwargs) -> None:
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(request)
        self.ratelimit_headers = {}
        self.limiter = None
        self.admitted = False
        # Set before authenticating: DRF would otherwise run its sync authenticators lazily.
        request.user, request.auth = AnonymousUser(), None
        if not settings.GATEWAY_POLICY_ENABLED:
            return
        grant = await self.authenticate_caller(request)
        request.user, request.auth = user_for_grant(grant), grant
        self.check_permissions(request)
        multiplier = await boosts.arate_limit_multiplier(user_id=grant.user_id, redis=async_redis())
        self.limiter = ratelimit.RateLimiter(
            user_id=grant.user_id, key_id=grant.key_id, limits=ratelimit.Limits.for_grant(grant, multiplier=multiplier)
        )
        if self.admit_on_entry:
            await self.admit(tokens=0)

    async def authenticate_caller(self, request) -> KeyGrant:
        """Who is calling, as a grant: the API key in the Authorization header."""
        return await aauthenticate_secret(request.META.get("HTTP_AUTHORIZATION", ""), redis=async_redis())

    async def admit(self, *, tokens: int, requests: int = 1) -> None:
        """Take ``requests`` and ``tokens`` from the caller's buckets, or raise 429."""
        if self.limiter is None:
            return
        self.admitted = True
        too_large = self.limiter.too_large(tokens)
        if too_large is not None:
            self.ratelimit_headers = (await self.limiter.aadmit(async_redis(), tokens=0, requests=requests)).headers
            raise too_large
        decision = await self.limiter.aadmit(async_redis(), tokens=tokens, requests=requests)
        self.ratelimit_headers = decision.headers
        if not decision.allowed:
            raise ratelimit.refused(decision)

    async def dispatch(self, request, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            await self.ainitial(request, *args, **kwargs)
            method = request.method.lower()
            handler = getattr(self, method, None) if method in self.http_method_names else None
            if handler is None:
                raise exceptions.MethodNotAllowed(request.method)
            response = await handler(request, *args, **kwargs)
        except Exception as exc:
            # Off the event loop: an error body looks up its forum answer (help_url) in the database.
            response = await database_sync_to_async(self.handle_exception)(exc)
        if getattr(self, "limiter", None) is not None and not self.admitted:
            # Refused before admission (bad input, unknown model): the call still counts
            # as a request, and still gets its x-ratelimit headers.
            self.ratelimit_headers = (await self.limiter.aadmit(async_redis(), tokens=0)).headers
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response


class JSONBodyMixin:
    """/v1 request bodies are JSON (OpenAI's wire format), read by the one /v1 parser."""

    parser_classes = [V1JSONParser]
