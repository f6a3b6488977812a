"""The error fine-tuning's services raise for a request that cannot be done."""

from __future__ import annotations


class FineTuningError(Exception):
    """A request that cannot be done, in words the developer can act on."""

    status = 400

    def __init__(
        self, message: str, *, code: str = "invalid_request_error", param: str | None = None, status: int | None = None
    ):
        super().__init__(message)
        self.message, self.code, self.param = message, code, param
        if status is not None:
            self.status = status
