"""Writes to the model registry."""

from __future__ import annotations

from decimal import Decimal

from .models import HostedModel


def hosted_model_register(
    *,
    model_id: str,
    source: str,
    task: str = HostedModel.Task.CHAT,
    backend: str = HostedModel.Backend.CAUSAL_LM,
    display_name: str = "",
    revision: str = "",
    context_length: int = 1024,
    max_output_tokens: int = 512,
    price_per_1k_tokens: Decimal = Decimal("0"),
    card: str = "",
) -> HostedModel:
    """Register (or update) a public hosted model served from ``source``.

    ``source`` is a Hugging Face repo id (``gpt2``, ``Qwen/Qwen2.5-0.5B-Instruct``), a local
    directory in HF format, or ``atrium:<name>`` for the built-in defaults. Weights are
    loaded by the workers on first request, not here.
    """
    model = HostedModel.objects.filter(model_id=model_id).first() or HostedModel(model_id=model_id)
    model.source, model.task, model.backend, model.revision = source, task, backend, revision
    model.display_name = display_name or model.display_name or model_id
    model.context_length, model.max_output_tokens = context_length, max_output_tokens
    model.price_per_1k_tokens = price_per_1k_tokens
    if card:
        model.card = card
    model.full_clean()
    model.save()
    return model


def hosted_model_derive(
    *, base: HostedModel, model_id: str, owner, adapter_path: str, display_name: str
) -> HostedModel:
    """Register a fine-tuned (`ft:`) model: the base's settings, an adapter, one owner."""
    model = HostedModel(
        model_id=model_id,
        display_name=display_name,
        task=base.task,
        backend=base.backend,
        source=base.source,
        revision=base.revision,
        context_length=base.context_length,
        max_output_tokens=base.max_output_tokens,
        price_per_1k_tokens=base.price_per_1k_tokens,
        owner=owner,
        base_model=base,
        adapter_path=adapter_path,
    )
    model.full_clean()
    model.save()
    return model


def hosted_model_retire(*, model_id: str) -> None:
    """Stop serving a public model (status disabled); its rows and history stay."""
    HostedModel.objects.filter(model_id=model_id, owner__isnull=True).update(status=HostedModel.Status.DISABLED)
