"""Validation of fine-tuning data (JSONL, OpenAI's chat or prompt/completion format).

Runs on the upload, line by line as the bytes arrive, before anything is stored: a
file that fails is refused whole, with the first problems named by line number. Each
valid example is counted as it arrives with the caller's `count_tokens` (a model's
tokenizer on the rendered chat template: ``tokens.example_counter``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sandbox.gateway.parsers import JsonTooDeep, LoneSurrogate, check_json_text

CHAT_ROLES = frozenset({"system", "user", "assistant", "tool"})
MAX_REPORTED_PROBLEMS = 10

# (record, format) -> (tokens one epoch trains on, the example's whole length in tokens)
TokenCounter = Callable[[dict, str], tuple[int, int]]


class FileTooLarge(Exception):
    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"The file is larger than the limit of {limit} bytes.")


class TrainingDataInvalid(Exception):
    """The file cannot be used; `problems` are (line number or None, message) pairs."""

    def __init__(self, problems: list[tuple[int | None, str]]):
        self.problems = problems
        super().__init__(self.describe())

    def describe(self) -> str:
        parts = [f"line {line}: {message}" if line else message for line, message in self.problems]
        return "Invalid training file: " + "; ".join(parts)


@dataclass
class DataSummary:
    format: str
    example_count: int = 0
    token_count: int = 0
    bytes: int = 0
    longest_example_tokens: int = 0
    longest_example_line: int = 0
    problems: list[tuple[int | None, str]] = field(default_factory=list)


def _check_chat(record: dict) -> str | None:
    """The problem of a chat example, if it has one."""
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        return "`messages` must be a non-empty list of {role, content} objects"
    has_assistant = False
    for position, message in enumerate(messages, start=1):
        if not isinstance(message, dict):
            return f"message {position} is not an object"
        role = message.get("role")
        if role is None:
            return f"message {position} has no `role`"
        if role not in CHAT_ROLES:
            return f"message {position} has role `{role}`; use one of system, user, assistant, tool"
        content = message.get("content")
        if role == "assistant" and content is None and message.get("tool_calls"):
            has_assistant = True
            continue
        if not isinstance(content, str):
            return f"message {position} (`{role}`) has no text `content`"
        if not content.strip():
            return f"message {position} (`{role}`) has empty `content`"
        has_assistant = has_assistant or role == "assistant"
    if not has_assistant:
        return "no `assistant` message: each example needs at least one reply to learn from"
    return None


def _check_completion(record: dict) -> str | None:
    prompt, completion = record.get("prompt"), record.get("completion")
    if not isinstance(prompt, str):
        return "`prompt` must be a string"
    if not isinstance(completion, str) or not completion.strip():
        return "`completion` must be a non-empty string"
    return None


def _detect_format(record: dict) -> str | None:
    if "messages" in record:
        return "chat"
    if "prompt" in record or "completion" in record:
        return "completion"
    return None


def validate_lines(
    chunks: Iterable[bytes],
    *,
    max_bytes: int,
    min_examples: int,
    max_example_tokens: int,
    count_tokens: TokenCounter,
) -> DataSummary:
    """Validate JSONL arriving as byte chunks. Raises FileTooLarge as soon as the bytes
    exceed `max_bytes`, TrainingDataInvalid with the first problems, else a summary
    whose token figures are `count_tokens`'s."""
    summary = DataSummary(format="")
    problems = summary.problems
    pending: list[bytes] = []  # the line in progress, in pieces: joined once, when it ends
    line_number = 0

    def check(raw: bytes) -> None:
        nonlocal line_number
        line_number += 1
        if line_number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append((line_number, f"not valid UTF-8 (byte {exc.start + 1}); save the file as UTF-8"))
            return
        try:
            record = json.loads(text)
            check_json_text(record)
        except json.JSONDecodeError as exc:
            problems.append((line_number, f"invalid JSON ({exc.msg} at column {exc.colno})"))
            return
        except (RecursionError, JsonTooDeep):
            problems.append((line_number, f"invalid JSON ({JsonTooDeep()})"))
            return
        except LoneSurrogate as exc:
            # Such a string cannot be stored, tokenized or shown: refuse it here, by line.
            where = f" in `{exc.path}`" if exc.path else ""
            problems.append((line_number, f"a string{where} contains {exc}"))
            return
        if not isinstance(record, dict):
            problems.append((line_number, "each line must be a JSON object"))
            return
        found = _detect_format(record)
        if found is None:
            problems.append(
                (line_number, "expected `messages` (chat format) or `prompt` and `completion` (completion format)")
            )
            return
        if not summary.format:
            summary.format = found
        elif found != summary.format:
            problems.append((line_number, f"{found} format, but the file began in {summary.format} format"))
            return
        problem = (_check_chat if found == "chat" else _check_completion)(record)
        if problem:
            problems.append((line_number, problem))
            return
        trained, length = count_tokens(record, found)
        if length > max_example_tokens:
            problems.append(
                (line_number, f"example of {length} tokens is longer than the limit of {max_example_tokens}")
            )
            return
        summary.example_count += 1
        summary.token_count += trained
        if length > summary.longest_example_tokens:
            summary.longest_example_tokens, summary.longest_example_line = length, line_number

    for chunk in chunks:
        summary.bytes += len(chunk)
        if summary.bytes > max_bytes:
            raise FileTooLarge(max_bytes)
        *lines, rest = chunk.split(b"\n")
        if lines:
            lines[0] = b"".join((*pending, lines[0]))
            pending = []
        pending.append(rest)
        for raw in lines:
            check(raw)
            if len(problems) >= MAX_REPORTED_PROBLEMS:
                raise TrainingDataInvalid(problems)
    if last := b"".join(pending):
        check(last)
    if problems:
        raise TrainingDataInvalid(problems)
    if summary.example_count == 0:
        raise TrainingDataInvalid([(None, "the file has no examples")])
    if summary.example_count < min_examples:
        raise TrainingDataInvalid(
            [(None, f"the file has {summary.example_count} examples; at least {min_examples} are needed")]
        )
    return summary
