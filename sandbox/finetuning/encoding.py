"""Training examples as token ids: the one definition of what a job trains on.

The trainer encodes its files with these functions, and the token counts the site shows
and estimates from (the Files page, the new-job form, the job, the API) call the same
ones with the same tokenizer, so a count cannot drift from what is trained and charged.

No torch and no Django here: the web tier imports it to count, `training` workers to train.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable

IGNORE_INDEX = -100


def read_jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8-sig") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _render_chat(tokenizer, messages: list[dict], *, generation_prompt: bool) -> str:
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)
    text = "".join(f"<|{m['role']}|>\n{m.get('content') or ''}\n" for m in messages)
    return text + ("<|assistant|>\n" if generation_prompt else "")


def encode_example(tokenizer, record: dict, data_format: str, max_length: int) -> tuple[list[int], list[int]]:
    """Token ids and labels of one example; only assistant replies (or the completion) are learned."""
    eos = tokenizer.eos_token_id

    def ids(text: str) -> list[int]:
        return tokenizer(text, add_special_tokens=False)["input_ids"] if text else []

    if data_format == "completion":
        prompt, completion = ids(record["prompt"]), ids(record["completion"]) + [eos]
        input_ids, labels = prompt + completion, [IGNORE_INDEX] * len(prompt) + completion
    else:
        messages = [m for m in record["messages"] if m.get("content") is not None]
        input_ids, labels, rendered = [], [], ""
        for k, message in enumerate(messages):
            if message["role"] == "assistant":
                header = _render_chat(tokenizer, messages[:k], generation_prompt=True)
                segment = ids(header[len(rendered) :] if header.startswith(rendered) else header)
                input_ids += segment
                labels += [IGNORE_INDEX] * len(segment)
                rendered = header
            full = _render_chat(tokenizer, messages[: k + 1], generation_prompt=False)
            segment = ids(full[len(rendered) :] if full.startswith(rendered) else full)
            input_ids += segment
            labels += segment if message["role"] == "assistant" else [IGNORE_INDEX] * len(segment)
            rendered = full
        if eos is not None and (not input_ids or input_ids[-1] != eos):
            input_ids.append(eos)
            labels.append(eos)
    return input_ids[:max_length], labels[:max_length]


def _learns(labels: list[int]) -> bool:
    return any(label != IGNORE_INDEX for label in labels)


def trained_example(tokenizer, record: dict, data_format: str, max_length: int) -> tuple[list[int], list[int]] | None:
    """The example as trained, or None when it has nothing to learn (the trainer skips it)."""
    input_ids, labels = encode_example(tokenizer, record, data_format, max_length)
    return (input_ids, labels) if _learns(labels) else None


def encode_records(
    tokenizer, records: Iterable[dict], data_format: str, max_length: int
) -> list[tuple[list[int], list[int]]]:
    encoded = (trained_example(tokenizer, record, data_format, max_length) for record in records)
    return [example for example in encoded if example is not None]


def encode_file(tokenizer, path: str, data_format: str, max_length: int) -> list[tuple[list[int], list[int]]]:
    return encode_records(tokenizer, read_jsonl(path), data_format, max_length)


def example_size(tokenizer, record: dict, data_format: str, max_length: int) -> tuple[int, int]:
    """(the tokens one epoch trains on for this example, 0 when the trainer skips it; the
    example's whole length, which a model's context must hold)."""
    input_ids, labels = encode_example(tokenizer, record, data_format, sys.maxsize)
    trained = len(input_ids[:max_length]) if _learns(labels[:max_length]) else 0
    return trained, len(input_ids)
