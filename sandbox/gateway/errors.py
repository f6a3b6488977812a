"""OpenAI's error shape for everything under /v1.

``{"error": {"message", "type", "param", "code", "help_url", "request_id"}}`` with the
right status, from one exception handler: DRF's validation, parse, auth, permission,
throttling and 404 errors, Django's Http404, and our own OpenAIError all come out the
same way. ``help_url`` is absolute (``SITE_URL``): the answer staff verified for the code
when there is one, else the code's section of the errors page; ``request_id`` is the
request's ``x-request-id``, so the member can find it in the request log.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from .requestid import request_id_of

logger = logging.getLogger(__name__)

ERRORS_DOC_PATH = "/docs/errors/"

# OpenAI's `type` for each status.
TYPE_FOR_STATUS = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    503: "server_error",
}


class OpenAIError(Exception):
    """An error the caller should see, in OpenAI's shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type or TYPE_FOR_STATUS.get(status, "invalid_request_error")
        self.code = code
        self.param = param
        self.headers = headers or {}


class NotFound(OpenAIError, Http404):
    """A 404 whose message is written for the caller ("No such file: 'file-x'."): /v1 answers
    it in OpenAI's shape, and a page that meets it answers its 404 page."""

    def __init__(self, message: str, *, param: str | None = None):
        super().__init__(404, message, code="not_found", param=param)


# Who may link an error code to something better than the docs: the forums register the
# answer staff verified for a code (community.forums' AppConfig.ready); the gateway never
# imports them.
_help_url_providers: list = []


def help_url_provider_register(provider) -> None:
    """``provider(code=...)`` returns an absolute URL for the code, or None."""
    if provider not in _help_url_providers:
        _help_url_providers.append(provider)


def docs_help_url(code: str | None) -> str:
    """The absolute URL of the code's section of the errors page (every code has an anchor)."""
    return settings.SITE_URL.rstrip("/") + ERRORS_DOC_PATH + (f"#{code}" if code else "")


def help_url(code: str | None) -> str:
    """Where to read about an error: a registered provider's page for the code (the forums'
    staff-verified answer, cached there), else the code's section of the docs. Absolute."""
    if code:
        for provider in _help_url_providers:
            try:
                url = provider(code=code)
            except Exception:  # a provider must never turn an error into a 500
                logger.exception("help_url provider %r failed", provider)
                url = None
            if url:
                return url
    return docs_help_url(code)


def error_body(
    *, message: str, type: str, code: str | None = None, param: str | None = None, request_id: str | None = None
) -> dict:
    error = {"message": message, "type": type, "param": param, "code": code, "help_url": help_url(code)}
    if request_id:
        error["request_id"] = request_id
    return {"error": error}


def error_response(exc: OpenAIError, *, request=None) -> JsonResponse:
    """A plain Django response, for code paths outside DRF (middleware, URL fallbacks)."""
    request_id = request_id_of(request) if request is not None else None
    response = JsonResponse(
        error_body(message=exc.message, type=exc.type, code=exc.code, param=exc.param, request_id=request_id),
        status=exc.status,
    )
    for name, value in exc.headers.items():
        response[name] = value
    return response


def _first_field_error(detail) -> tuple[str | None, str]:
    """(param, message) of the first validation error, with a dotted path for nested fields."""
    if isinstance(detail, dict):
        for field, sub in detail.items():
            param, message = _first_field_error(sub)
            if field == "non_field_errors":
                return param, message
            return (f"{field}.{param}" if param else str(field)), message
    if isinstance(detail, list) and detail:
        for index, sub in enumerate(detail):
            if sub:
                param, message = _first_field_error(sub)
                if isinstance(sub, (dict, list)) and param is not None:
                    return f"{index}.{param}", message
                return param, message
    return None, str(detail)


def request_too_large() -> OpenAIError:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE, which Django refuses to read (RequestDataTooBig).

    The limit (2.5 MiB) is far above any valid /v1 JSON body: the longest context is a
    few hundred kB of JSON even with every character escaped. Files go to /v1/files as
    multipart uploads, whose limit is FINETUNE_MAX_FILE_BYTES.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return OpenAIError(
        413,
        f"The request body is larger than the limit of {limit:,} bytes. Send less input per request "
        "(upload training data to /v1/files).",
        code="request_too_large",
    )


def to_openai_error(exc: Exception) -> OpenAIError | None:
    """Map any exception the /v1 API knows about to an OpenAIError (None: a bug, 500)."""
    if isinstance(exc, OpenAIError):
        return exc
    if isinstance(exc, RequestDataTooBig):
        return request_too_large()
    if isinstance(exc, exceptions.ParseError):
        return OpenAIError(400, f"We could not parse the body of your request. ({exc.detail})", code="invalid_json")
    if isinstance(exc, exceptions.ValidationError):
        param, message = _first_field_error(exc.detail)
        if param:
            message = f"Invalid value for '{param}': {message}"
        return OpenAIError(400, message, param=param, code="invalid_value")
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        detail = str(exc.detail)
        return OpenAIError(401, detail, code=getattr(exc, "openai_code", None) or "invalid_api_key")
    if isinstance(exc, exceptions.PermissionDenied):
        return OpenAIError(403, str(exc.detail), code=getattr(exc, "openai_code", None) or "insufficient_scope")
    if isinstance(exc, (exceptions.NotFound, Http404)):
        # Django's own 404s name internal models ("No TrainingFile matches..."): never shown.
        return OpenAIError(404, str(getattr(exc, "detail", "")) or "Not found.", code="not_found")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return OpenAIError(405, str(exc.detail), code="method_not_allowed")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return OpenAIError(415, str(exc.detail), code="unsupported_media_type")
    if isinstance(exc, exceptions.Throttled):
        headers = {"Retry-After": str(exc.wait)} if exc.wait else {}
        return OpenAIError(429, str(exc.detail), code="rate_limit_exceeded", headers=headers)
    if isinstance(exc, exceptions.APIException):
        return OpenAIError(exc.status_code, str(exc.detail), code=str(exc.get_codes()) if exc.get_codes() else None)
    return None


def openai_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF EXCEPTION_HANDLER for /v1 views: every error in OpenAI's shape."""
    error = to_openai_error(exc)
    if error is None:
        return None
    request = context.get("request")
    request_id = request_id_of(request) if request is not None else None
    response = Response(
        error_body(message=error.message, type=error.type, code=error.code, param=error.param, request_id=request_id),
        status=error.status,
    )
    for name, value in error.headers.items():
        response[name] = value
    if error.status == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
