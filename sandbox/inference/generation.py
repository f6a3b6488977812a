"""Generation and embedding requests for real models, run in the Celery task thread.

The task thread prepares the prompt (chat template), checks the limits with OpenAI's
errors, submits one :class:`~sandbox.inference.batching.Sequence` per choice to the
model's continuous batcher, then turns the tokens it receives into text deltas:
incremental detokenization, stop strings (the text is cut before the stop string, and
the sequence leaves the batch), cancellation (polled from Redis) and usage.
"""

from __future__ import annotations

import logging
import queue
import secrets
import time
from typing import TYPE_CHECKING

from .batching import Sequence
from .engine import ModelSpec, ModelUnavailable, ResidentLM, get_engine
from .protocol import EventPublisher

if TYPE_CHECKING:
    from sandbox.registry.models import HostedModel

logger = logging.getLogger(__name__)

# How often a waiting task thread checks whether the gateway asked to cancel.
CANCEL_POLL_SECONDS = 0.2
# Tokens are gathered and published at most this often per request (see stream_sequences).
STREAM_TICK_SECONDS = 0.02
# A request whose loop produced nothing for this long is failed rather than left hanging.
STALL_SECONDS = 300
# For tokenizers that ship no chat template (e.g. `gpt2`): a plain transcript.
FALLBACK_CHAT_TEMPLATE = (
    "{% for message in messages %}{{ message['role'] | capitalize }}: {{ message['content'] }}\\n{% endfor %}"
    "{% if add_generation_prompt %}Assistant:{% endif %}"
)


class RequestError(Exception):
    """A caller's mistake, answered with a 4xx error event."""

    def __init__(self, status: int, code: str, message: str, param: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.param = status, code, message, param


def spec_for(model: HostedModel) -> ModelSpec:
    """The resident weights that serve ``model`` (its base model for an adapter row)."""
    base = model.base_model if model.adapter_path else model
    return ModelSpec(model_id=base.model_id, source=base.source, revision=base.revision, backend=base.backend)


def _unavailable(publisher: EventPublisher, exc: ModelUnavailable) -> None:
    publisher.error(status=503, code="model_unavailable", message=str(exc), param="model")


def generate(*, publisher: EventPublisher, model: HostedModel, params: dict) -> None:
    try:
        resident = get_engine().causal_lm(spec_for(model))
    except ModelUnavailable as exc:
        _unavailable(publisher, exc)
        return
    try:
        prompts = prompt_token_ids(resident, params)
        sequences = build_sequences(resident, model, prompts, params)
    except RequestError as exc:
        publisher.error(status=exc.status, code=exc.code, message=exc.message, param=exc.param)
        return
    stops = params.get("stop") or []
    stops = [stops] if isinstance(stops, str) else list(stops)
    stream_sequences(publisher, resident, sequences, stops, prompt_tokens=sum(len(p) for p in prompts))


def prompt_token_ids(resident: ResidentLM, params: dict) -> list[list[int]]:
    """Token ids of each prompt: the chat template over ``messages``, or ``prompt`` as given."""
    tokenizer = resident.tokenizer
    if params.get("messages") is not None:
        template = tokenizer.chat_template or FALLBACK_CHAT_TEMPLATE
        try:
            text = tokenizer.apply_chat_template(
                params["messages"], chat_template=template, tokenize=False, add_generation_prompt=True
            )
        except Exception as exc:
            raise RequestError(
                400,
                "invalid_request_error",
                f"The messages do not fit this model's chat template: {exc}"[:300],
                "messages",
            ) from exc
        return [tokenizer(text, add_special_tokens=False)["input_ids"]]
    prompt = params.get("prompt")
    if prompt is None or prompt == "" or prompt == []:
        prompt = tokenizer.bos_token or ""
    if isinstance(prompt, str):
        prompts = [prompt]
    elif all(isinstance(p, int) for p in prompt):
        return [list(prompt)]
    else:
        prompts = prompt
    ids = []
    for item in prompts:
        ids.append(list(item) if isinstance(item, list) else tokenizer(item, add_special_tokens=False)["input_ids"])
    return ids


def build_sequences(resident: ResidentLM, model: HostedModel, prompts: list[list[int]], params: dict) -> list[Sequence]:
    """One sequence per choice, after checking the context and output limits."""
    context = min(model.context_length or resident.max_positions, resident.max_positions)
    max_output = model.max_output_tokens
    requested = params.get("max_tokens")
    param = "messages" if params.get("messages") is not None else "prompt"
    if requested is not None and requested > max_output:
        raise RequestError(
            400,
            "invalid_request_error",
            f"max_tokens is too large: {requested}. This model "
            f"supports at most {max_output} completion tokens, whereas you provided {requested}.",
            "max_tokens",
        )
    if requested is not None and requested < 1:
        raise RequestError(400, "invalid_request_error", "max_tokens must be at least 1.", "max_tokens")
    n = params.get("n") or 1
    temperature = 1.0 if params.get("temperature") is None else float(params["temperature"])
    top_p = 1.0 if params.get("top_p") is None else float(params["top_p"])
    seed = params.get("seed")
    if seed is None and temperature > 0:
        seed = secrets.randbits(62)
    adapter = model.model_id if model.adapter_path else None
    sequences = []
    for prompt_index, ids in enumerate(prompts):
        if len(ids) >= context:
            raise RequestError(
                400,
                "context_length_exceeded",
                f"This model's maximum context length is {context} "
                f"tokens. However, your {param} resulted in {len(ids)} tokens. Please reduce the "
                f"length of the {param}.",
                param,
            )
        if requested is not None and len(ids) + requested > context:
            raise RequestError(
                400,
                "context_length_exceeded",
                f"This model's maximum context length is {context} "
                f"tokens. However, you requested {len(ids) + requested} tokens ({len(ids)} in the "
                f"{param}, {requested} in the completion). Please reduce the length of the {param} "
                "or completion.",
                param,
            )
        budget = requested if requested is not None else min(max_output, context - len(ids))
        for choice in range(n):
            index = prompt_index * n + choice
            sequences.append(
                Sequence(
                    prompt_ids=ids,
                    max_new_tokens=budget,
                    temperature=temperature,
                    top_p=top_p,
                    seed=None if seed is None else seed + index,
                    adapter=adapter,
                    adapter_path=model.adapter_path or None,
                    eos_token_ids=resident.eos_token_ids,
                    index=index,
                )
            )
    shared = sequences[0].outbox
    for sequence in sequences:
        sequence.outbox = shared
    return sequences


class TextStream:
    """Incremental detokenization of one choice, cut at the first stop string.

    A token costs the same however long the answer has grown: it decodes a short window
    of ids (those since the last complete text, after the few before them, kept as
    context because a tokenizer may drop a word's leading space at the start of a text),
    not the whole answer again, and only the text's new tail is searched for stop
    strings (the window is vLLM's incremental detokenization).
    """

    def __init__(self, tokenizer, stops: list[str]):
        self.tokenizer = tokenizer
        self.stops = [s for s in stops if s]
        self._reach = max((len(s) for s in self.stops), default=1) - 1  # a stop may start this far back
        self.ids: list[int] = []
        self.text = ""  # the decoded text of ids[:read]
        self.prefix = 0  # ids[prefix:read]: the context decoded before the new ids
        self.read = 0
        self.sent = 0  # characters of the text already published

    def _advance(self, *, final: bool = False) -> str:
        """The new text of the ids after ``read`` ("" while it ends in an incomplete character)."""
        decode = self.tokenizer.decode
        context = decode(self.ids[self.prefix : self.read], skip_special_tokens=True)
        window = decode(self.ids[self.prefix :], skip_special_tokens=True)
        if not final and (len(window) <= len(context) or window.endswith("\ufffd")):
            return ""  # nothing yet, or an incomplete UTF-8 character: wait for the next token
        self.prefix, self.read = self.read, len(self.ids)
        return window[len(context) :]

    def push(self, token: int) -> tuple[str, bool]:
        """The new text that is safe to publish, and whether a stop string was reached."""
        self.ids.append(token)
        new = self._advance()
        if not new:
            return "", False
        searched_from = max(0, len(self.text) - self._reach)
        self.text += new
        text = self.text
        hits = [i for i in (text.find(s, searched_from) for s in self.stops) if i >= 0]
        if hits:
            cut = min(hits)
            piece, self.sent = text[self.sent : cut], max(self.sent, cut)
            return piece, True
        # Hold back a tail that might be the start of a stop string.
        hold = max((k for s in self.stops for k in range(1, len(s)) if text.endswith(s[:k])), default=0)
        end = len(text) - hold
        piece = text[self.sent : end] if end > self.sent else ""
        self.sent = max(self.sent, end)
        return piece, False

    def flush(self) -> str:
        self.text += self._advance(final=True)
        piece, self.sent = self.text[self.sent :], len(self.text)
        return piece


def stream_sequences(
    publisher: EventPublisher, resident: ResidentLM, sequences: list[Sequence], stops: list[str], *, prompt_tokens: int
) -> None:
    """Submit the choices to the batcher and publish their text as it is generated.

    The thread wakes at most once per ``STREAM_TICK_SECONDS``, takes every token produced
    meanwhile and publishes them as one delta per choice in one Redis round trip: the
    decode loop is not interrupted by a thread switch per token, and Redis sees a few
    writes per request per tick instead of one per token. A choice's end wakes it at once
    (see :class:`~sandbox.inference.batching.Outbox`), so the answer is not held a tick.
    """
    outbox = sequences[0].outbox
    streams = {s.index: TextStream(resident.tokenizer, stops) for s in sequences}
    by_index = {s.index: s for s in sequences}
    open_choices = set(by_index)
    completion_tokens = 0
    for sequence in sequences:
        resident.batcher.submit(sequence)
    last_event, last_cancel_check = time.monotonic(), 0.0
    try:
        while open_choices:
            now = time.monotonic()
            if now - last_cancel_check >= CANCEL_POLL_SECONDS:
                last_cancel_check = now
                if publisher.cancelled():
                    return  # the finally clause takes the choices out of the batch
            try:
                items = outbox.take(timeout=CANCEL_POLL_SECONDS)
            except queue.Empty:
                if time.monotonic() - last_event > STALL_SECONDS:
                    publisher.error(status=500, code="server_error", message="The model stopped responding.")
                    return
                continue
            last_event = time.monotonic()
            events, text = [], {}
            for index, kind, value in items:
                if index not in open_choices:
                    continue
                if kind == "token":
                    completion_tokens += 1
                    piece, stopped = streams[index].push(value)
                    text[index] = text.get(index, "") + piece
                    if stopped:
                        by_index[index].stop()
                        open_choices.discard(index)
                        events += _deltas(text, index) + [{"type": "finish", "index": index, "finish_reason": "stop"}]
                elif kind == "finish":
                    text[index] = text.get(index, "") + streams[index].flush()
                    open_choices.discard(index)
                    events += _deltas(text, index) + [{"type": "finish", "index": index, "finish_reason": value}]
                else:
                    status, code, message = value
                    publisher.publish_many([e for i in list(text) for e in _deltas(text, i)])
                    publisher.error(status=status, code=code, message=message)
                    return
            events += [e for i in list(text) for e in _deltas(text, i)]
            publisher.publish_many(events)
            if open_choices:
                outbox.wait(STREAM_TICK_SECONDS)
        publisher.publish({"type": "usage", "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens})
    finally:
        for sequence in sequences:
            sequence.stop()


def _deltas(text: dict[int, str], index: int) -> list[dict]:
    """The pending text of one choice as a delta event (none when empty); clears it."""
    piece = text.pop(index, "")
    return [{"type": "delta", "index": index, "text": piece}] if piece else []


def embed(*, publisher: EventPublisher, model: HostedModel, inputs: list[str]) -> None:
    try:
        resident = get_engine().embedder(spec_for(model))
    except ModelUnavailable as exc:
        _unavailable(publisher, exc)
        return
    if isinstance(inputs, str):
        inputs = [inputs]
    if not inputs or any(not isinstance(text, str) or not text for text in inputs):
        publisher.error(
            status=400,
            code="invalid_request_error",
            message="input must be a non-empty string or a list of non-empty strings.",
            param="input",
        )
        return
    counts = resident.batcher.token_counts(inputs)
    limit = min(resident.max_tokens, model.context_length or resident.max_tokens)
    for position, count in enumerate(counts):
        if count > limit:
            publisher.error(
                status=400,
                code="context_length_exceeded",
                message=f"This model's maximum context length is {limit} tokens, however you requested "
                f"{count} tokens in input {position}. Please reduce your input.",
                param="input",
            )
            return
    vectors = resident.batcher.embed(inputs)
    publisher.publish({"type": "embeddings", "data": vectors})
    publisher.publish({"type": "usage", "prompt_tokens": sum(counts), "completion_tokens": 0})
