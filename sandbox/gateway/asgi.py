"""ASGI middleware: refuse oversize /v1 bodies before Django reads them.

Django's ASGI handler reads a whole request body (to a spooled file) before any view
runs, so size limits have to be enforced in front of it: from Content-Length when
declared (413 before a byte of the body is read), else while the body streams in (413 as
soon as it passes the limit; Django is told the client went away and stores nothing).
Uploads to /v1/files have the training-file limit; every other /v1 POST, and the
Playground's chat, has Django's own DATA_UPLOAD_MAX_MEMORY_SIZE, so a chunked body
cannot fill the disk either.
"""

from __future__ import annotations

import json

# /v1, and the Playground's chat (the API's own view, for the signed-in browser).
GUARDED_PREFIXES = ("/v1/", "/playground/chat")
UPLOAD_PATH = "/v1/files"
# Room for the multipart envelope and the other form fields around the file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def body_limit(path: str) -> tuple[int, dict]:
    """The largest body a POST to ``path`` may send, and the error past it (OpenAI's shape)."""
    from django.conf import settings

    from .errors import request_too_large

    if path.rstrip("/") == UPLOAD_PATH:
        limit = settings.FINETUNE_MAX_FILE_BYTES
        error = {
            "message": f"The file is larger than the limit of {limit} bytes.",
            "type": "invalid_request_error",
            "param": "file",
            "code": "file_too_large",
        }
        return limit + MULTIPART_OVERHEAD_BYTES, error
    refused = request_too_large()
    error = {"message": refused.message, "type": refused.type, "param": None, "code": refused.code}
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE, error


async def _send_413(send, error: dict) -> None:
    from sandbox.inference.protocol import new_request_id

    from .errors import docs_help_url

    # No database here: the errors page, not the forum's answer (sandbox.gateway.errors).
    # Django never sees this request, so it is not metered; it still has its own id.
    request_id = new_request_id()
    body = json.dumps({"error": {**error, "help_url": docs_help_url(error["code"]), "request_id": request_id}})
    body = body.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].startswith(GUARDED_PREFIXES):
            return await self.app(scope, receive, send)
        limit, error = body_limit(scope["path"])
        headers = dict(scope.get("headers") or [])
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0
        if declared > limit:
            return await _send_413(send, error)

        received, refused = 0, False

        async def limited_receive():
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    await _send_413(send, error)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not refused:
                await send(message)

        return await self.app(scope, limited_receive, guarded_send)
