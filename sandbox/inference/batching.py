"""Continuous batching over one resident causal LM, with a KV cache.

One :class:`ContinuousBatcher` thread per resident model runs the decode loop. Celery
task threads :meth:`~ContinuousBatcher.submit` a :class:`Sequence` and read the tokens
it produces from the sequence's outbox, so the loop does tensor work only (text,
stop strings and Redis publishing happen in the task threads).

How a step works: the batch holds one row per running sequence in a Hugging Face
``DynamicCache``, left-padded so that every row ends at the same column, with a 2-D
attention mask marking the padding and explicit position ids per row. Between decode
steps, waiting sequences are prefilled together and their cache is merged into the
batch (join); sequences that finished (EOS, ``max_tokens``, a stop string seen by their
task thread, cancellation) are dropped from the cache rows (leave), and padding
columns no row needs any more are trimmed. Each row samples with its own temperature,
top_p and seeded generator, so a request's output does not depend on its neighbours.

Why not transformers' own ``ContinuousBatchingManager`` (``generate_batch`` /
``init_continuous_batching``) in 5.23: it takes one generation config for the whole
manager, has no per-request seed or LoRA adapter (peft's ``adapter_names``), and its
paged-attention path targets GPUs. This loop uses only the model's ordinary forward
and transformers' cache classes, so any HF causal LM and peft mixed-adapter batches work.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

logger = logging.getLogger(__name__)

BASE_ADAPTER = "__base__"  # peft's name for "no adapter" in a mixed batch


@dataclass(eq=False)
class Sequence:
    """One generated choice: its prompt, sampling parameters and running state."""

    prompt_ids: list[int]
    max_new_tokens: int
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    adapter: str | None = None
    adapter_path: str | None = None
    eos_token_ids: frozenset[int] = frozenset()
    # Loop → task thread: (index, "token", id), (index, "finish", reason) or
    # (index, "error", (status, code, message)). The choices of one request share an outbox.
    index: int = 0
    outbox: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    generated: list[int] = field(default_factory=list)
    submitted_at: float = field(default_factory=time.monotonic)
    _stop: threading.Event = field(default_factory=threading.Event)
    generator: torch.Generator | None = None

    def stop(self) -> None:
        """Ask the loop to drop this sequence at its next step (cancelled, or a stop string hit)."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0


class ContinuousBatcher:
    """The decode loop of one resident model (a daemon thread, started on first submit)."""

    def __init__(self, model, *, name: str, device: torch.device, max_batch_size: int):
        self.model = model
        self.name = name
        self.device = device
        self.max_batch_size = max_batch_size
        # Set by the engine: loads a LoRA adapter (name, path) into the model.
        self.load_adapter: Callable[[str, str], None] | None = None
        self.uses_adapters = False
        self.pending: queue.Queue[Sequence] = queue.Queue()
        self.active: list[Sequence] = []
        self._admitting: list[Sequence] = []
        self._cache = None
        self._mask: torch.Tensor | None = None
        self._recent_tokens: deque[tuple[float, int]] = deque()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    # --- Task-thread side ------------------------------------------------------------

    def submit(self, sequence: Sequence) -> None:
        self._ensure_running()
        self.pending.put(sequence)

    def stats(self) -> dict:
        """Batch size, queue depth and tokens/s over the last ten seconds."""
        now = time.monotonic()
        recent = [(t, n) for t, n in list(self._recent_tokens) if now - t <= 10]
        tokens = sum(n for _, n in recent)
        span = max(now - recent[0][0], 1.0) if recent else 1.0
        return {
            "batch_size": len(self.active),
            "queue_depth": self.pending.qsize(),
            "tokens_per_s": round(tokens / span, 1),
            "kv_cache_bytes": self._cache_bytes(),
        }

    def _ensure_running(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=f"batcher-{self.name}", daemon=True)
                self._thread.start()

    # --- The loop --------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                self._admit(block=not self.active)
                if self.active:
                    self._decode_step()
            except Exception as exc:  # a failed step fails the requests in it, never the loop
                logger.exception("batch step failed for %s", self.name)
                for sequence in self.active + self._admitting:
                    sequence.outbox.put(
                        (sequence.index, "error", (500, "server_error", f"The model failed: {type(exc).__name__}."))
                    )
                    sequence.stop()
                self.active, self._admitting, self._cache, self._mask = [], [], None, None

    @torch.inference_mode()
    def _admit(self, *, block: bool) -> None:
        arrivals: list[Sequence] = []
        if block:
            arrivals.append(self.pending.get())
        while len(self.active) + len(arrivals) < self.max_batch_size:
            try:
                arrivals.append(self.pending.get_nowait())
            except queue.Empty:
                break
        arrivals = [s for s in arrivals if not s.stopped and self._adapter_ready(s)]
        if not arrivals:
            return
        self._admitting = arrivals  # failed with the step if the prefill raises
        for sequence in arrivals:
            if sequence.seed is not None:
                sequence.generator = torch.Generator(device=self.device).manual_seed(sequence.seed)
        width = max(len(s.prompt_ids) for s in arrivals)
        pad = 0
        input_ids = torch.tensor(
            [[pad] * (width - len(s.prompt_ids)) + s.prompt_ids for s in arrivals], device=self.device
        )
        mask = torch.tensor(
            [[0] * (width - len(s.prompt_ids)) + [1] * len(s.prompt_ids) for s in arrivals], device=self.device
        )
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        output = self._forward(input_ids, mask, positions, None, arrivals)
        self._join(arrivals, output.past_key_values, mask)
        self._admitting = []
        self._emit(arrivals, output.logits[:, -1, :])

    @torch.inference_mode()
    def _decode_step(self) -> None:
        self._leave()  # cancelled or stopped by their task threads since the last step
        if not self.active:
            return
        input_ids = torch.tensor([[s.generated[-1]] for s in self.active], device=self.device)
        positions = torch.tensor([[len(s.prompt_ids) + len(s.generated) - 1] for s in self.active], device=self.device)
        mask = torch.cat([self._mask, torch.ones((len(self.active), 1), dtype=self._mask.dtype, device=self.device)], 1)
        output = self._forward(input_ids, mask, positions, self._cache, self.active)
        self._cache, self._mask = output.past_key_values, mask
        self._emit(list(self.active), output.logits[:, -1, :])

    def _forward(self, input_ids, mask, positions, cache, sequences: list[Sequence]):
        kwargs = {}
        if self.uses_adapters:
            kwargs["adapter_names"] = [s.adapter or BASE_ADAPTER for s in sequences]
        return self.model(
            input_ids=input_ids,
            attention_mask=mask,
            position_ids=positions,
            past_key_values=cache,
            use_cache=True,
            **kwargs,
        )

    def _adapter_ready(self, sequence: Sequence) -> bool:
        if sequence.adapter is None:
            return True
        try:
            self.load_adapter(sequence.adapter, sequence.adapter_path)
        except Exception as exc:
            logger.exception("adapter %s failed to load", sequence.adapter)
            sequence.outbox.put(
                (
                    sequence.index,
                    "error",
                    (503, "model_unavailable", f"The adapter of `{sequence.adapter}` could not be loaded: {exc}"[:500]),
                )
            )
            return False
        self.uses_adapters = True
        return True

    def _emit(self, sequences: list[Sequence], logits: torch.Tensor) -> None:
        tokens = sample_next_tokens(logits, sequences)
        self._recent_tokens.append((time.monotonic(), len(sequences)))
        while self._recent_tokens and time.monotonic() - self._recent_tokens[0][0] > 10:
            self._recent_tokens.popleft()
        for sequence, token in zip(sequences, tokens, strict=True):
            sequence.generated.append(token)
            sequence.outbox.put((sequence.index, "token", token))
            if token in sequence.eos_token_ids:
                sequence.outbox.put((sequence.index, "finish", "stop"))
                sequence.stop()
            elif len(sequence.generated) >= sequence.max_new_tokens:
                sequence.outbox.put((sequence.index, "finish", "length"))
                sequence.stop()
        self._leave()

    # --- KV cache rows -----------------------------------------------------------------

    def _join(self, arrivals: list[Sequence], cache, mask: torch.Tensor) -> None:
        """Merge the arrivals' prefilled cache into the batch, right-aligned."""
        if not self.active:
            self.active, self._cache, self._mask = list(arrivals), cache, mask
            return
        old_len, new_len = self._mask.shape[1], mask.shape[1]
        width = max(old_len, new_len)
        for old_layer, new_layer in zip(self._cache.layers, cache.layers, strict=True):
            for attr in ("keys", "values"):
                a = _left_pad(getattr(old_layer, attr), width - old_len, dim=-2)
                b = _left_pad(getattr(new_layer, attr), width - new_len, dim=-2)
                setattr(old_layer, attr, torch.cat([a, b], dim=0))
        self._mask = torch.cat(
            [_left_pad(self._mask, width - old_len, dim=-1), _left_pad(mask, width - new_len, dim=-1)], dim=0
        )
        self.active.extend(arrivals)

    def _leave(self) -> None:
        """Drop finished rows, then the padding columns that no remaining row needs."""
        keep = [i for i, s in enumerate(self.active) if not s.stopped]
        if len(keep) == len(self.active):
            return
        if not keep:
            self.active, self._cache, self._mask = [], None, None
            return
        index = torch.tensor(keep, device=self.device)
        self.active = [self.active[i] for i in keep]
        self._mask = self._mask[index]
        first = int(self._mask.any(dim=0).nonzero()[0])
        self._mask = self._mask[:, first:]
        for layer in self._cache.layers:
            layer.keys = layer.keys[index, :, first:, :]
            layer.values = layer.values[index, :, first:, :]

    def _cache_bytes(self) -> int:
        cache = self._cache
        if cache is None:
            return 0
        return sum(
            t.numel() * t.element_size() for layer in cache.layers for t in (layer.keys, layer.values) if t is not None
        )


def _left_pad(tensor: torch.Tensor, amount: int, *, dim: int) -> torch.Tensor:
    if amount == 0:
        return tensor
    shape = list(tensor.shape)
    shape[dim] = amount
    return torch.cat([torch.zeros(shape, dtype=tensor.dtype, device=tensor.device), tensor], dim=dim)


def sample_next_tokens(logits: torch.Tensor, sequences: list[Sequence]) -> list[int]:
    """Pick each row's next token with that row's own temperature, top_p and generator."""
    logits = logits.float()
    chosen = logits.argmax(dim=-1).tolist()
    sampled = [i for i, s in enumerate(sequences) if not s.greedy]
    if not sampled:
        return chosen
    rows = logits[sampled]
    temperatures = torch.tensor([sequences[i].temperature for i in sampled], device=rows.device).unsqueeze(1)
    top_ps = torch.tensor([sequences[i].top_p for i in sampled], device=rows.device).unsqueeze(1)
    probs = torch.softmax(rows / temperatures, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    # Nucleus: keep the smallest set of tokens whose mass reaches top_p (at least one).
    outside = (sorted_probs.cumsum(-1) - sorted_probs) >= top_ps
    outside[:, 0] = False  # the most likely token always stays (top_p=0 means greedy-like)
    sorted_probs = sorted_probs.masked_fill(outside, 0.0)
    for row, i in enumerate(sampled):
        pick = torch.multinomial(sorted_probs[row], 1, generator=sequences[i].generator)
        chosen[i] = int(order[row, pick])
    return chosen
