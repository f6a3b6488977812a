"""The completion use case, whoever asks (an API key through /v1, the signed-in
Playground): the model the caller may use for the task, the credits, the tokens to
reserve from the caller's rate-limit buckets, the dispatch to the inference workers,
and the answer gathered from their events. Views parse the request and frame the answer
(JSON or server-sent events); metering wraps every call in ``views.MeteredView``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from django.conf import settings

from portal.billing.services import acredits_balance
from sandbox.inference import protocol
from sandbox.usage.services import usage_cost

from . import catalog
from .dispatch import Dispatch
from .errors import OpenAIError
from .redis import async_redis

Admit = Callable[..., Awaitable[None]]


def estimate_tokens(text: str) -> int:
    """A cheap upper-bound-ish token estimate for rate limiting (OpenAI's ~4 chars/token)."""
    return max(1, len(text) // 4 + 1)


def model_check_task(model: catalog.ModelInfo, *, task: str) -> None:
    """400 model_not_supported unless ``model`` serves ``task`` ("chat" or "embeddings").

    The caller looks the model up first (``catalog.aget_model``, 404 for an unknown one),
    so that metering names only models that exist.
    """
    if model.task != task:
        what = "embeddings" if task == "embeddings" else "chat or text completions"
        raise OpenAIError(
            400, f"The model `{model.model_id}` does not support {what}.", code="model_not_supported", param="model"
        )


async def credits_check(*, user_id: int | None, model: catalog.ModelInfo) -> None:
    """A priced model needs a positive balance (billing's published copy, on the event loop)."""
    if user_id is None or model.price_per_1k_tokens <= 0:
        return
    if await acredits_balance(user_id=user_id, redis=async_redis()) <= 0:
        raise OpenAIError(
            429,
            "You exceeded your current quota: your credit balance is used up. Credits renew monthly; "
            f"see your balance and usage at {settings.SITE_URL.rstrip('/')}/usage/.",
            type="insufficient_quota",
            code="insufficient_quota",
        )


def cost(model: catalog.ModelInfo, prompt_tokens: int, completion_tokens: int) -> str:
    return str(usage_cost(price_per_1k_tokens=model.price_per_1k_tokens, tokens=prompt_tokens + completion_tokens))


@dataclass
class Answer:
    """A whole completion: each choice's text and finish reason, and the tokens used."""

    texts: dict[int, str] = field(default_factory=lambda: defaultdict(str))
    reasons: dict[int, str] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class Completion:
    """A dispatched completion: its model, the tokens reserved, and the workers' events."""

    model: catalog.ModelInfo
    n: int
    reserved: int
    request_id: str
    created: int
    events: AsyncIterator[dict]

    async def answer(self) -> Answer:
        """Gather the events into the whole answer (the non-streamed response)."""
        answer = Answer()
        async for event in self.events:
            if event["type"] == "delta":
                answer.texts[event["index"]] += event["text"]
            elif event["type"] == "finish":
                answer.reasons[event["index"]] = event["finish_reason"]
            elif event["type"] == "usage":
                answer.prompt_tokens, answer.completion_tokens = event["prompt_tokens"], event["completion_tokens"]
        return answer


async def completion_start(
    *,
    user_id: int | None,
    model: catalog.ModelInfo,
    admit: Admit,
    data: dict,
    prompt: dict,
    prompt_text: str,
    request_id: str | None = None,
) -> Completion:
    """Check and start one chat or text completion for the caller.

    ``model`` is the model the caller named, looked up for them (``catalog.aget_model``);
    ``data`` the validated request; ``prompt`` the messages or prompt as the workers take
    them, ``prompt_text`` what the rate limit counts. ``admit(tokens=...)`` takes the
    reservation from the caller's buckets (or raises 429). ``request_id`` is the request's
    own id (``x-request-id``), which the workers' events then carry.
    """
    model_check_task(model, task="chat")
    max_tokens = data.get("max_tokens") or model.max_output_tokens
    if max_tokens > model.max_output_tokens:
        raise OpenAIError(
            400,
            f"max_tokens is too large: {max_tokens}. This model supports at most {model.max_output_tokens} "
            f"completion tokens (context length {model.context_length}).",
            code="invalid_value",
            param="max_tokens",
        )
    await credits_check(user_id=user_id, model=model)
    n = data.get("n") or 1
    reserved = estimate_tokens(prompt_text) + max_tokens * n
    await admit(tokens=reserved)
    params = {
        **prompt,
        "max_tokens": max_tokens,
        "temperature": data.get("temperature"),
        "top_p": data.get("top_p"),
        "stop": data.get("stop") or [],
        "seed": data.get("seed"),
        "n": n,
    }
    run = Dispatch(
        redis=async_redis(),
        task_name=protocol.GENERATE_TASK,
        model=model.model_id,
        params=params,
        request_id=request_id,
    )
    return Completion(
        model=model, n=n, reserved=reserved, request_id=run.request_id, created=int(time.time()), events=run.events()
    )
