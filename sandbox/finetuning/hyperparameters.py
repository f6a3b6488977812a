"""A job's hyperparameters: "auto" resolved from the data the way OpenAI's `auto` is, and
the ranges a request may ask for.

The resolved numbers are what the job keeps, the API reports on the job object and the
trainer uses (`learning_rate_multiplier` scales `trainer.BASE_LEARNING_RATE`, the LoRA
learning rate measured for the default model; see that constant).

- **n_epochs**: 3, as OpenAI's default; more for a small file, so that epochs x examples
  reaches `MIN_TARGET_EXAMPLES` (100), at most `MAX_AUTO_EPOCHS` (25; with the 10-example
  minimum upload that is 10 epochs); fewer for a large one, so that epochs x examples
  stays under `MAX_TARGET_EXAMPLES` (25,000), at least 1.
- **batch_size**: about a tenth of the file (so an epoch has ten or more steps, each an
  update), rounded down to a power of two, from 1 to `MAX_AUTO_BATCH_SIZE` (32), and
  halved while a batch would hold more than `MAX_AUTO_BATCH_TOKENS` tokens (what one CPU
  step handles without running out of memory or taking minutes).
- **learning_rate_multiplier**: 1.0.
- **rank**: 8.

No Django and no torch here: the web tier, the worker and the benchmark share it.
"""

from __future__ import annotations

import math

from .errors import FineTuningError

MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
DEFAULT_EPOCHS = 3
MAX_AUTO_EPOCHS = 25
MAX_AUTO_BATCH_SIZE = 32
MAX_AUTO_BATCH_TOKENS = 8192
DEFAULT_LEARNING_RATE_MULTIPLIER = 1.0
DEFAULT_RANK = 8

# What a request may ask for (the API, the form and the schema enforce the same ranges).
LIMITS = {"n_epochs": (1, 50), "batch_size": (1, 256), "learning_rate_multiplier": (0.01, 100.0), "rank": (1, 256)}
NAMES = tuple(LIMITS)


def auto_n_epochs(example_count: int) -> int:
    count = max(1, example_count)
    if count * DEFAULT_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_AUTO_EPOCHS, math.ceil(MIN_TARGET_EXAMPLES / count))
    if count * DEFAULT_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(1, MAX_TARGET_EXAMPLES // count)
    return DEFAULT_EPOCHS


def auto_batch_size(example_count: int, tokens: int | None = None) -> int:
    """``tokens``: the file's tokens in one epoch, when known (its mean example length bounds the batch)."""
    size = 1
    while size * 2 <= min(MAX_AUTO_BATCH_SIZE, example_count // 10):
        size *= 2
    if tokens and example_count:
        mean = tokens / example_count
        while size > 1 and size * mean > MAX_AUTO_BATCH_TOKENS:
            size //= 2
    return size


def auto_hyperparameters(*, example_count: int, tokens: int | None = None) -> dict:
    return {
        "n_epochs": auto_n_epochs(example_count),
        "batch_size": auto_batch_size(example_count, tokens),
        "learning_rate_multiplier": DEFAULT_LEARNING_RATE_MULTIPLIER,
        "rank": DEFAULT_RANK,
    }


def resolve_hyperparameters(requested: dict | None, *, example_count: int, tokens: int | None = None) -> dict:
    """Replace "auto" and missing values with the ones the job will use; check ranges."""
    resolved = auto_hyperparameters(example_count=example_count, tokens=tokens)
    for name, value in (requested or {}).items():
        if name not in LIMITS:
            raise FineTuningError(f"Unknown hyperparameter `{name}`.", param=f"hyperparameters.{name}")
        if value is None or value == "auto":
            continue
        low, high = LIMITS[name]
        kind = float if name == "learning_rate_multiplier" else int
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise FineTuningError(f'`{name}` must be a number or "auto".', param=f"hyperparameters.{name}") from None
        if isinstance(value, bool) or not low <= number <= high or (kind is int and number != float(value)):
            raise FineTuningError(
                f"`{name}` must be {'an integer' if kind is int else 'a number'} from {low} to {high}.",
                param=f"hyperparameters.{name}",
            )
        resolved[name] = number
    return resolved
