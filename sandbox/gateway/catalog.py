"""The hosted models as the gateway sees them, cached in-process for a few seconds so
the hot path does not query the registry on every call."""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from portal.asyncdb import database_sync_to_async
from sandbox.registry.selectors import hosted_model_available, hosted_models_visible

from .errors import OpenAIError

if TYPE_CHECKING:
    from sandbox.registry.models import HostedModel

CACHE_SECONDS = 5.0
# Callers choose the ids looked up, unknown ones included: the cache must stay bounded.
CACHE_MAX_ENTRIES = 1024
_cache: dict[str, tuple[float, ModelInfo | None]] = {}


@dataclass(frozen=True)
class ModelInfo:
    model_id: str
    task: str
    context_length: int
    max_output_tokens: int
    price_per_1k_tokens: Decimal
    owner_id: int | None
    created: int

    @classmethod
    def from_model(cls, model: HostedModel) -> ModelInfo:
        return cls(
            model_id=model.model_id,
            task=model.task,
            context_length=model.context_length,
            max_output_tokens=model.max_output_tokens,
            price_per_1k_tokens=model.price_per_1k_tokens,
            owner_id=model.owner_id,
            created=int(model.created_at.timestamp()),
        )

    @property
    def owned_by(self) -> str:
        return "atrium" if self.owner_id is None else f"user-{self.owner_id}"

    def as_openai(self) -> dict:
        return {
            "id": self.model_id,
            "object": "model",
            "created": self.created,
            "owned_by": self.owned_by,
            "context_length": self.context_length,
            "max_output_tokens": self.max_output_tokens,
            "task": self.task,
            "price_per_1k_tokens": str(self.price_per_1k_tokens),
        }


def _load(model_id: str) -> ModelInfo | None:
    model = hosted_model_available(model_id=model_id)
    return ModelInfo.from_model(model) if model else None


def model_not_found(model_id: str) -> OpenAIError:
    return OpenAIError(
        404,
        f"The model `{model_id}` does not exist or you do not have access to it.",
        code="model_not_found",
        param="model",
    )


async def aget_model(*, model_id: str, user_id: int | None) -> ModelInfo:
    """The model ``user_id`` may call, or 404 model_not_found (someone else's model included)."""
    if "\x00" in model_id:
        raise model_not_found(model_id)  # no id has one, and PostgreSQL refuses it in a query
    cached = _cache.get(model_id)
    if cached is not None and cached[0] > time.monotonic():
        info = cached[1]
    else:
        info = await database_sync_to_async(_load)(model_id)
        if len(_cache) >= CACHE_MAX_ENTRIES:
            _cache.clear()
        _cache[model_id] = (time.monotonic() + CACHE_SECONDS, info)
    if info is None or (info.owner_id is not None and info.owner_id != user_id):
        raise model_not_found(model_id)
    return info


def _list(user_id: int | None) -> list[ModelInfo]:
    from django.contrib.auth import get_user_model

    user = get_user_model()(pk=user_id) if user_id is not None else None
    return [ModelInfo.from_model(m) for m in hosted_models_visible(user=user)]


async def alist_models(*, user_id: int | None) -> list[ModelInfo]:
    return await database_sync_to_async(_list)(user_id)
