"""What a job will use and cost: its hyperparameters resolved, its device time predicted
from the workers' measured throughput, and the one price per device-second that both the
estimate and the charge use."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_UP, Decimal

from django.conf import settings

from .errors import FineTuningError
from .throughput import Throughput, throughput_for

DEFAULT_HYPERPARAMETERS = {"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 1.0, "rank": 8}
LIMITS = {"n_epochs": (1, 50), "batch_size": (1, 256), "learning_rate_multiplier": (0.01, 100.0), "rank": (1, 256)}


def resolve_hyperparameters(requested: dict | None, *, example_count: int) -> dict:
    """Replace "auto" and missing values with the ones the job will use; check ranges."""
    resolved = dict(DEFAULT_HYPERPARAMETERS)
    resolved["batch_size"] = max(1, min(DEFAULT_HYPERPARAMETERS["batch_size"], example_count // 10 or 1))
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


@dataclass(frozen=True)
class CostEstimate:
    """What a job is predicted to use and be charged, before it runs."""

    tokens: int  # one epoch's, as the trainer counts them with the base model's tokenizer
    n_epochs: int
    trained_tokens: int  # tokens x epochs
    device_seconds: float
    credits: Decimal
    throughput: Throughput  # the measured (or configured) rate the prediction used


def device_credits(device_seconds: float) -> Decimal:
    """The credits charged for ``device_seconds`` of training: one price for estimate and charge."""
    amount = Decimal(str(device_seconds)) * settings.FINETUNE_CREDITS_PER_DEVICE_SECOND
    return amount.quantize(Decimal("0.0001"), rounding=ROUND_UP)


def estimate_cost(*, tokens: int, n_epochs: int, model_id: str, device: str | None = None) -> CostEstimate:
    """Predict the metered device time of a job and so its charge.

    A job is charged by device-seconds, so the estimate predicts those: the start-up of the
    training workers' device kind for this base model (loading it, encoding the file) plus
    tokens x epochs at the throughput that kind's jobs on this model measured
    (``throughput.throughput_for``; the configured defaults before any job ran).
    """
    rate = throughput_for(model_id=model_id, device=device)
    trained_tokens = tokens * n_epochs
    seconds = round(rate.startup_seconds + trained_tokens / rate.tokens_per_second, 1)
    return CostEstimate(
        tokens=tokens,
        n_epochs=n_epochs,
        trained_tokens=trained_tokens,
        device_seconds=seconds,
        credits=device_credits(seconds),
        throughput=rate,
    )
