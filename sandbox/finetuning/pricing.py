"""What a job will cost: its device time predicted
from the workers' measured throughput, and the one price per device-second that both the
estimate and the charge use."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_UP, Decimal

from django.conf import settings

from .throughput import Throughput, throughput_for


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
