"""Worker-side entry points: find the hosted model and hand the request to its backend.

This first version serves only the `echo` backend (for testing the gateway path end to
end); the engine (continuous batching, HF models, embeddings, adapters) plugs in here.
"""

from __future__ import annotations

from sandbox.registry.models import HostedModel

from .protocol import EventPublisher


def _model_or_error(publisher: EventPublisher, model_id: str) -> HostedModel | None:
    model = HostedModel.objects.filter(model_id=model_id, status=HostedModel.Status.AVAILABLE).first()
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
                piece = candidate[: candidate.index(hit)][len(text):]
                if piece:
                    publisher.publish({"type": "delta", "index": index, "text": piece})
                completion_tokens += 1
                break
            if publisher.cancelled():
                return
            publisher.publish({"type": "delta", "index": index, "text": piece})
            text = candidate
            completion_tokens += 1
        publisher.publish({"type": "finish", "index": index, "finish_reason": finish_reason})
    publisher.publish({"type": "usage", "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens})


def run_generation(*, publisher: EventPublisher, model_id: str, params: dict) -> None:
    model = _model_or_error(publisher, model_id)
    if model is None:
        return
    if model.backend == HostedModel.Backend.ECHO:
        _echo(publisher, model, params)
        return
    publisher.error(
        status=503, code="model_unavailable", message=f"The model `{model_id}` cannot be served by this worker yet."
    )


def run_embedding(*, publisher: EventPublisher, model_id: str, inputs: list[str]) -> None:
    model = _model_or_error(publisher, model_id)
    if model is None:
        return
    publisher.error(
        status=503, code="model_unavailable", message=f"The model `{model_id}` cannot be served by this worker yet."
    )
