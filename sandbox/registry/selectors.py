"""Reads of the model registry, scoped to the caller."""

from __future__ import annotations

from django.http import Http404

from .models import HostedModel


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
