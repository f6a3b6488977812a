"""ASGI middleware: refuse oversize uploads to /v1/files before Django reads the body.

Django's ASGI handler reads a whole request body before any view runs, so the size
limit has to be enforced in front of it: from Content-Length when declared (413 before
a byte of the body is read), else while the body streams in (413 as soon as it passes
the limit; Django is told the client went away and stores nothing).
"""

from __future__ import annotations

import json

UPLOAD_PATH = "/v1/files"
# Room for the multipart envelope and the other form fields around the file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def _limit() -> int:
    from django.conf import settings

    return settings.FINETUNE_MAX_FILE_BYTES + MULTIPART_OVERHEAD_BYTES


async def _send_413(send, limit: int) -> None:
    body = json.dumps(
        {
            "error": {
                "message": f"The file is larger than the limit of {limit - MULTIPART_OVERHEAD_BYTES} bytes.",
                "type": "invalid_request_error",
                "param": "file",
                "code": "file_too_large",
                # No database here: the errors page, not the forum's answer (sandbox.gateway.errors).
                "help_url": "/docs/errors/#file_too_large",
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class UploadSizeLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != UPLOAD_PATH:
            return await self.app(scope, receive, send)
        limit = _limit()
        headers = dict(scope.get("headers") or [])
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0
        if declared > limit:
            return await _send_413(send, limit)

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
                    await _send_413(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not refused:
                await send(message)

        return await self.app(scope, limited_receive, guarded_send)
