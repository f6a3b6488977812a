"""Token counts of training data, as the trainer will see it: a model's own tokenizer on
the rendered chat template (``encoding``, the trainer's code), never a rule of thumb.

A file is not tied to a model: it is counted at upload with the default chat model's
tokenizer (``settings.DEFAULT_CHAT_MODEL``), and again when a job starts from a base model
whose tokenizer is another. The web process loads each tokenizer once (a few MB of JSON,
a couple of seconds) and keeps it; it never loads weights.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Callable
from dataclasses import astuple, dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from . import encoding

# What AutoTokenizer reads from a snapshot; a hub model is fetched without its weights.
TOKENIZER_FILES = [
    "config.json",
    "tokenizer*",
    "special_tokens_map.json",
    "chat_template.*",
    "vocab*",
    "merges.txt",
    "*.model",
    "added_tokens.json",
]
CACHE_SECONDS = 7 * 24 * 3600


class TokenizerUnavailable(Exception):
    """A model's tokenizer cannot be read here."""


@dataclass(frozen=True)
class CountingModel:
    """The model whose tokenizer counts: its id, where its files are, its context length."""

    model_id: str
    source: str
    revision: str
    context_length: int

    @classmethod
    def of(cls, hosted) -> CountingModel:
        return cls(
            model_id=hosted.model_id,
            source=hosted.source,
            revision=hosted.revision or "",
            context_length=hosted.context_length,
        )


def default_counting_model() -> CountingModel:
    """The default chat model, as registered; before `prepare_models` has registered it,
    its built-in weights (so uploads are counted the same way on a fresh database)."""
    from sandbox.inference.defaults import BUILTIN_PREFIX
    from sandbox.registry.selectors import hosted_model_available, longest_chat_context

    model_id = settings.DEFAULT_CHAT_MODEL
    hosted = hosted_model_available(model_id=model_id)
    if hosted is not None and hosted.source:
        return CountingModel.of(hosted)
    return CountingModel(
        model_id=model_id, source=f"{BUILTIN_PREFIX}{model_id}", revision="", context_length=longest_chat_context()
    )


def _tokenizer_dir(model: CountingModel) -> Path:
    from sandbox.inference.defaults import BUILTIN_PREFIX, builtin_path

    source = model.source
    if not source:
        raise TokenizerUnavailable(f"`{model.model_id}` has no weights, so no tokenizer.")
    if source.startswith(BUILTIN_PREFIX):
        try:
            return builtin_path(source)
        except LookupError as exc:
            raise TokenizerUnavailable(str(exc)) from exc
    local = Path(source).expanduser()
    if local.is_dir():
        return local
    if local.is_absolute() or source.startswith("."):
        raise TokenizerUnavailable(f"The weights directory of `{model.model_id}` does not exist here.")
    from huggingface_hub import snapshot_download

    fetch = functools.partial(
        snapshot_download, repo_id=source, revision=model.revision or None, allow_patterns=TOKENIZER_FILES
    )
    try:
        return Path(fetch(local_files_only=True))
    except Exception as cached_error:
        if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}:
            raise TokenizerUnavailable(f"The tokenizer of `{source}` is not cached here.") from cached_error
        try:
            return Path(fetch())
        except Exception as exc:
            raise TokenizerUnavailable(f"The tokenizer of `{source}` could not be downloaded: {exc}"[:300]) from exc


_load_lock = threading.Lock()


@functools.lru_cache(maxsize=8)
def _load_tokenizer(path: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)


def tokenizer_of(model: CountingModel):
    """The model's tokenizer, loaded once per process (as the trainer loads it)."""
    path = str(_tokenizer_dir(model))
    with _load_lock:  # two requests at once load it once
        try:
            return _load_tokenizer(path)
        except (OSError, ValueError) as exc:
            raise TokenizerUnavailable(f"The tokenizer of `{model.model_id}` cannot be loaded: {exc}"[:300]) from exc


ExampleCounter = Callable[[dict, str], tuple[int, int]]


def example_counter(model: CountingModel) -> ExampleCounter:
    """(record, format) -> (tokens one epoch trains on, whole length), with this model's tokenizer."""
    tokenizer = tokenizer_of(model)
    return lambda record, data_format: encoding.example_size(tokenizer, record, data_format, model.context_length)


@dataclass(frozen=True)
class FileTokens:
    """A file counted with one model's tokenizer."""

    model_id: str
    tokens: int  # per epoch, as the trainer trains on them
    longest_example_tokens: int
    longest_example_line: int


def file_tokens(file, model: CountingModel) -> FileTokens:
    """The file counted with ``model``'s tokenizer: as stored when it was counted at upload
    with that model, else counted again from its content (and cached: files never change)."""
    if file.tokens_counted_with == model.model_id and file.token_count:
        return FileTokens(model.model_id, file.token_count, file.longest_example_tokens, file.longest_example_line)
    key = f"finetuning:file-tokens:{file.id}:{model.model_id}:{model.source}:{model.revision}:{model.context_length}"
    cached = cache.get(key)
    if cached is not None:
        return FileTokens(*cached)
    count = example_counter(model)
    total, longest, longest_line = 0, 0, 0
    with file.content.open("rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            text = raw.decode("utf-8-sig" if line_number == 1 else "utf-8")
            if not text.strip():
                continue
            trained, length = count(json.loads(text), file.format)
            total += trained
            if length > longest:
                longest, longest_line = length, line_number
    counted = FileTokens(model.model_id, total, longest, longest_line)
    cache.set(key, astuple(counted), CACHE_SECONDS)
    return counted
