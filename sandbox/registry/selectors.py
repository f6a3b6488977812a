"""Reads of the model registry, scoped to the caller."""

from __future__ import annotations

from django.http import Http404

from .models import HostedModel

# A model's kinds, for the apps that branch on them (they never import models.py).
Task, Backend, Status = HostedModel.Task, HostedModel.Backend, HostedModel.Status


def hosted_model_list(*, user) -> list[HostedModel]:
    """Available models the caller may use: public ones and their own fine-tuned ones."""
    return list(HostedModel.objects.available().visible_to(user).select_related("base_model", "owner"))


def hosted_model_get(*, user, model_id: str) -> HostedModel:
    """One available model the caller may see; 404 otherwise (someone else's `ft:` model included)."""
    model = (
        HostedModel.objects.available()
        .visible_to(user)
        .select_related("base_model", "owner")
        .filter(model_id=model_id)
        .first()
    )
    if model is None:
        raise Http404(f"No model {model_id}")
    return model


def hosted_model_available(*, model_id: str) -> HostedModel | None:
    """The available model with this id, whoever owns it (callers check access)."""
    return HostedModel.objects.available().select_related("base_model").filter(model_id=model_id).first()


def hosted_models_visible(*, user, task: str | None = None):
    """Available models the caller may use, by id (public ones and their own)."""
    models = HostedModel.objects.available().visible_to(user).order_by("model_id")
    return models.filter(task=task) if task else models


def model_ids_visible(*, user) -> list[str]:
    """Every model id the caller may see in their usage, available or not."""
    return list(HostedModel.objects.visible_to(user).order_by("model_id").values_list("model_id", flat=True))


def public_models_to_serve():
    """Public models a worker loads at start (echo needs no weights)."""
    return HostedModel.objects.available().filter(owner__isnull=True).exclude(backend=Backend.ECHO)


def fine_tunable_base_models():
    """Public chat models served by a causal LM: what fine-tuning can start from."""
    return HostedModel.objects.available().filter(owner__isnull=True, task=Task.CHAT, backend=Backend.CAUSAL_LM)


def hosted_model_visible(*, user, model_id: str) -> HostedModel | None:
    """A model the caller may see (available or not), or None."""
    return HostedModel.objects.visible_to(user).filter(model_id=model_id).first()


def longest_chat_context() -> int:
    """The longest context any chat model accepts (fine-tuning files are checked against it)."""
    lengths = HostedModel.objects.filter(task=Task.CHAT).values_list("context_length", flat=True)
    return max(lengths, default=4096)
