"""The error fine-tuning's services raise for a request that cannot be done."""

from __future__ import annotations

from sandbox.gateway.errors import OpenAIError


class FineTuningError(OpenAIError):
    """A request that cannot be done, in words the developer can act on. It is the /v1
    error itself (its status, code and param go out in OpenAI's shape as they are); the
    fine-tuning pages show its message."""

    def __init__(self, message: str, *, code: str = "invalid_request_error", param: str | None = None, status=400):
        super().__init__(status, message, code=code, param=param)
