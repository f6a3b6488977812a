"""Every /v1 response names its request: ``x-request-id: req_<hex>``, as OpenAI's do.

One id per request, assigned where the request enters the site (the middleware below,
before any other middleware can answer) and used everywhere after it: the header, the
``request_id`` of an error body, the inference task, the completion's id and the usage
record, so a forum post or a support question that quotes it finds the very request in
the member's request log.
"""

from __future__ import annotations

from portal.middleware import NoIOMiddleware
from sandbox.inference.protocol import new_request_id

HEADER = "x-request-id"
# /v1, and the Playground's chat (the API's own view, for the signed-in browser).
PREFIXES = ("/v1/", "/playground/chat")


def request_id_of(request) -> str:
    """The request's id (a DRF Request or Django's own), assigned on first use."""
    request = getattr(request, "_request", request)
    request_id = getattr(request, "request_id", None)
    if request_id is None:
        request_id = request.request_id = new_request_id()
    return request_id


def is_api_path(path: str) -> bool:
    return path == "/v1" or path.startswith(PREFIXES)


class RequestIdMiddleware(NoIOMiddleware):
    """Give each /v1 request its id, and its response the ``x-request-id`` header,
    whichever layer answered (a view, an error handler, another middleware).
    No I/O: it costs the async /v1 views no thread hop."""

    def before(self, request) -> None:
        if is_api_path(request.path_info):
            request_id_of(request)

    def after(self, request, response):
        if is_api_path(request.path_info):
            self.stamp(response, request_id_of(request))
        return response

    @staticmethod
    def stamp(response, request_id: str):
        if HEADER not in response:
            response[HEADER] = request_id
        return response
