"""Worker-side entry points: find the hosted model and hand the request to its backend.

Backends: ``echo`` (repeats the prompt; for testing integrations), ``causal-lm`` (any
HF causal LM, continuous batching in ``batching.py``, LoRA adapters for ``ft:`` rows)
and ``sentence-embedding``. The text side of generation lives here, in the Celery task
thread: chat templates, limits (OpenAI's 400s), incremental detokenization, stop
strings, cancellation and publishing; the engine's loop does the tensor work (see ``generation.py``).
torch is imported only when a real model is served, never for echo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.registry.selectors import Backend, Task, hosted_model_available

from .protocol import EventPublisher

if TYPE_CHECKING:
    from sandbox.registry.models import HostedModel

# Bounds one write (one Lua call on Redis) for very long echo answers.
ECHO_EVENTS_PER_WRITE = 512


def _model_or_error(publisher: EventPublisher, model_id: str) -> HostedModel | None:
    model = hosted_model_available(model_id=model_id)
    if model is None:
        publisher.error(
            status=404, code="model_not_found", message=f"The model `{model_id}` does not exist.", param="model"
        )
    return model


def _prompt_text(params: dict) -> str:
    if params.get("messages") is not None:
        user_turns = [m.get("content") or "" for m in params["messages"] if m.get("role") == "user"]
        return user_turns[-1] if user_turns else ""
    prompt = params.get("prompt") or ""
    return prompt if isinstance(prompt, str) else " ".join(prompt)


def _echo(publisher: EventPublisher, model: HostedModel, params: dict) -> None:
    """Repeat the last user message (or the prompt) word by word, honouring max_tokens and stop."""
    words = _prompt_text(params).split()
    prompt_tokens = len(words)
    if prompt_tokens > model.context_length:
        publisher.error(
            status=400,
            code="context_length_exceeded",
            message=(
                f"This model's maximum context length is {model.context_length} tokens; "
                f"your prompt has {prompt_tokens} tokens."
            ),
            param="messages" if params.get("messages") is not None else "prompt",
        )
        return
    max_tokens = params.get("max_tokens") or model.max_output_tokens
    stops = params.get("stop") or []
    # Echo has every word at once: its events go out together, one round trip that
    # appends them only if the caller has not cancelled (as the engine coalesces per tick).
    events: list[dict] = []
    completion_tokens = 0
    for index in range(params.get("n") or 1):
        text, finish_reason = "", "stop"
        for position, word in enumerate(words):
            if position >= max_tokens:
                finish_reason = "length"
                break
            piece = word if position == 0 else f" {word}"
            candidate = text + piece
            hit = next((s for s in stops if s in candidate), None)
            if hit is not None:
                piece = candidate[: candidate.index(hit)][len(text) :]
                if piece:
                    events.append({"type": "delta", "index": index, "text": piece})
                completion_tokens += 1
                break
            events.append({"type": "delta", "index": index, "text": piece})
            text = candidate
            completion_tokens += 1
        events.append({"type": "finish", "index": index, "finish_reason": finish_reason})
        if len(events) >= ECHO_EVENTS_PER_WRITE:
            if not publisher.publish_unless_cancelled(events):
                return
            events = []
    events.append({"type": "usage", "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens})
    publisher.publish_unless_cancelled(events)


def run_generation(*, publisher: EventPublisher, model_id: str, params: dict) -> None:
    """Serve one chat or completion request, publishing its events."""
    model = _model_or_error(publisher, model_id)
    if model is None:
        return
    if model.backend == Backend.ECHO:
        _echo(publisher, model, params)
        return
    served = model.base_model if model.adapter_path else model
    if model.task != Task.CHAT or served.backend != Backend.CAUSAL_LM:
        publisher.error(
            status=400,
            code="invalid_model",
            message=f"The model `{model_id}` does not generate text; use it with /v1/embeddings.",
            param="model",
        )
        return
    from .generation import generate

    generate(publisher=publisher, model=model, params=params)


def run_embedding(*, publisher: EventPublisher, model_id: str, inputs: list[str]) -> None:
    """Embed the inputs of one request, publishing the vectors and usage."""
    model = _model_or_error(publisher, model_id)
    if model is None:
        return
    if model.backend != Backend.SENTENCE_EMBEDDING:
        publisher.error(
            status=400,
            code="invalid_model",
            message=f"The model `{model_id}` is not an embeddings model.",
            param="model",
        )
        return
    from .generation import embed

    embed(publisher=publisher, model=model, inputs=inputs)
