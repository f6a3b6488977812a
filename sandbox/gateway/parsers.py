"""The one JSON parser of /v1 request bodies (inference, files, fine-tuning).

Python's ``json`` takes two things that no later code can: nesting as deep as the
recursion limit (deeper raises ``RecursionError``, not a parse error) and ``"\\ud800"``,
an unpaired UTF-16 surrogate escape, which decodes to a ``str`` that cannot be encoded
as UTF-8, so it fails later wherever the text leaves the process (Redis, PostgreSQL, a
tokenizer, even our own error body). Both are refused here, as 400s in OpenAI's shape,
before a view, a model or the database sees them.
"""

from __future__ import annotations

import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .errors import OpenAIError

# OpenAI's bodies nest a handful of levels (messages, content parts, tool schemas); a
# fixed limit keeps the answer the same whatever stack the parser happens to run on.
MAX_JSON_DEPTH = 64
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonTooDeep(ValueError):
    def __init__(self):
        super().__init__(f"nested more than {MAX_JSON_DEPTH} levels deep")


class LoneSurrogate(ValueError):
    """``path``: the dotted path of the string ("messages.0.content"; "" for the whole body)."""

    def __init__(self, path: str):
        self.path = path
        super().__init__(
            "an unpaired UTF-16 surrogate (an escape from \\ud800 to \\udfff without its pair), which is "
            "not Unicode text"
        )


class V1JSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - the body is {JsonTooDeep()}.") from None
        try:
            check_json_text(data)
        except JsonTooDeep as exc:
            raise ParseError(f"JSON parse error - the body is {exc}.") from None
        except LoneSurrogate as exc:
            where = f"Invalid value for '{exc.path}': the string" if exc.path else "The body"
            raise OpenAIError(
                400,
                f"{where} contains {exc}. Send text as UTF-8, or escape characters outside the Basic "
                "Multilingual Plane as a surrogate pair.",
                code="invalid_value",
                param=exc.path or None,
            ) from None
        return data


def check_json_text(data) -> None:
    """Raise JsonTooDeep when parsed JSON nests more than MAX_JSON_DEPTH levels, or
    LoneSurrogate for its first string (key or value) holding a lone surrogate."""
    stack = [(data, (), 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            if LONE_SURROGATE.search(value):
                raise LoneSurrogate(_dotted(path))
            continue
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = list(enumerate(value))
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise JsonTooDeep()
        # Reversed onto the stack, so the first offending field in the body is the one named.
        for key, item in reversed(items):
            if isinstance(key, str) and LONE_SURROGATE.search(key):
                # The key itself is named, escaped: the error body must be valid UTF-8 too.
                raise LoneSurrogate(_dotted((*path, key.encode("utf-8", "backslashreplace").decode())))
            if isinstance(item, (str, dict, list)):
                stack.append((item, (*path, key), depth + 1))


def _dotted(path: tuple) -> str:
    return ".".join(str(part) for part in path)
