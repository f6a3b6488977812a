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

import inspect
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

logger = logging.getLogger(__name__)

BASE_ADAPTER = "__base__"  # peft's name for "no adapter" in a mixed batch
# What a layer's KV buffers grow by when full (see SpareColumnsLayer): a decode step
# copies the cache once per SPARE_COLUMNS steps, a join once per SPARE_ROWS rows.
SPARE_COLUMNS = 64
SPARE_ROWS = 8
# Arrivals whose prompts differ in length are prefilled in separate forward passes when
# one pass would compute more than this many padding tokens (see prefill_groups).
PREFILL_SPLIT_TOKENS = 32


class Outbox:
    """What the loop sends one request's task thread, in order; the choices of a request share one.

    Messages are ``(index, "token", id)``, ``(index, "finish", reason)`` or
    ``(index, "error", (status, code, message))``. The task thread takes whatever has come
    once per tick (:meth:`take`, then :meth:`wait`); a finish or an error cuts the wait short,
    so that a request is answered, and its client's next request can join, without waiting
    out the tick.
    """

    def __init__(self):
        self._messages: queue.SimpleQueue = queue.SimpleQueue()
        self._ended = threading.Event()

    def put(self, message: tuple) -> None:
        self._messages.put(message)
        if message[1] != "token":
            self._ended.set()

    def take(self, timeout: float | None = None) -> list[tuple]:
        """The messages that have come, at least one: waits up to ``timeout`` (``queue.Empty`` after)."""
        messages = [self._messages.get(timeout=timeout)]
        while True:
            try:
                messages.append(self._messages.get_nowait())
            except queue.Empty:
                return messages

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds``, or less if a choice ends meanwhile."""
        if self._ended.wait(seconds):
            self._ended.clear()


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
    index: int = 0  # the choice's index in its request's outbox messages
    outbox: Outbox = field(default_factory=Outbox)
    generated: list[int] = field(default_factory=list)
    submitted_at: float = field(default_factory=time.monotonic)
    admitted_at: float | None = None  # when it joined the batch (time.monotonic)
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


@dataclass
class LoopTimes:
    """Where the loop's time went since it started (perf_counter seconds; read by benches
    and the health snapshot): prefills of arriving sequences (with their join into the
    batch) and decode steps."""

    prefills: int = 0
    prefilled_rows: int = 0
    prefill_seconds: float = 0.0
    steps: int = 0
    step_rows: int = 0
    step_seconds: float = 0.0


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
        # Most HF causal LMs can skip the vocabulary projection of all but the last position:
        # a prefill needs the logits of the last prompt token only.
        self._logits_to_keep = "logits_to_keep" in inspect.signature(model.forward).parameters
        self.pending: queue.Queue[Sequence] = queue.Queue()
        self.active: list[Sequence] = []
        self._admitting: list[Sequence] = []
        self._cache = None
        self._mask: torch.Tensor | None = None
        self._recent_tokens: deque[tuple[float, int]] = deque()
        self.times = LoopTimes()
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
            # Totals since the loop started: where its time went (see LoopTimes).
            "loop": {name: round(value, 3) for name, value in vars(self.times).items()},
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
        admitted_at = time.monotonic()
        for sequence in arrivals:
            sequence.admitted_at = admitted_at
            if sequence.seed is not None:
                sequence.generator = torch.Generator(device=self.device).manual_seed(sequence.seed)
        groups = prefill_groups(arrivals)
        for number, group in enumerate(groups):
            # Failed with the step if a prefill raises (those already joined are in `active`).
            self._admitting = [s for later in groups[number:] for s in later]
            self._prefill(group)
        self._admitting = []

    def _prefill(self, arrivals: list[Sequence]) -> None:
        """One forward pass over the arrivals' prompts (left-padded together), then their join."""
        started = time.perf_counter()
        width = max(len(s.prompt_ids) for s in arrivals)
        pad = 0
        input_ids = torch.tensor(
            [[pad] * (width - len(s.prompt_ids)) + s.prompt_ids for s in arrivals], device=self.device
        )
        mask = torch.tensor(
            [[0] * (width - len(s.prompt_ids)) + [1] * len(s.prompt_ids) for s in arrivals], device=self.device
        )
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        output = self._forward(input_ids, mask, positions, batch_cache(self.model.config), arrivals)
        self._join(arrivals, output.past_key_values, mask)
        self._emit(arrivals, output.logits[:, -1, :])
        times = self.times
        times.prefills, times.prefilled_rows = times.prefills + 1, times.prefilled_rows + len(arrivals)
        times.prefill_seconds += time.perf_counter() - started

    @torch.inference_mode()
    def _decode_step(self) -> None:
        self._leave()  # cancelled or stopped by their task threads since the last step
        if not self.active:
            return
        started, rows = time.perf_counter(), len(self.active)
        input_ids = torch.tensor([[s.generated[-1]] for s in self.active], device=self.device)
        positions = torch.tensor([[len(s.prompt_ids) + len(s.generated) - 1] for s in self.active], device=self.device)
        mask = torch.cat([self._mask, torch.ones((len(self.active), 1), dtype=self._mask.dtype, device=self.device)], 1)
        output = self._forward(input_ids, mask, positions, self._cache, self.active)
        self._cache, self._mask = output.past_key_values, mask
        self._emit(list(self.active), output.logits[:, -1, :])
        times = self.times
        times.steps, times.step_rows = times.steps + 1, times.step_rows + rows
        times.step_seconds += time.perf_counter() - started

    def _forward(self, input_ids, mask, positions, cache, sequences: list[Sequence]):
        kwargs = {}
        if self.uses_adapters:
            kwargs["adapter_names"] = [s.adapter or BASE_ADAPTER for s in sequences]
        if self._logits_to_keep:
            kwargs["logits_to_keep"] = 1
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
        """Add the arrivals' prefilled rows to the batch, right-aligned with it."""
        if not self.active:
            self.active, self._cache, self._mask = list(arrivals), cache, mask
            return
        old_len, new_len = self._mask.shape[1], mask.shape[1]
        width = max(old_len, new_len)
        for layer, new_layer in zip(self._cache.layers, cache.layers, strict=True):
            if isinstance(layer, SpareColumnsLayer):
                layer.add_rows(new_layer.keys, new_layer.values)
                continue
            for attr in ("keys", "values"):
                a = _left_pad(getattr(layer, attr), width - old_len, dim=-2)
                b = _left_pad(getattr(new_layer, attr), width - new_len, dim=-2)
                setattr(layer, attr, torch.cat([a, b], dim=0))
        self._mask = torch.cat(
            [_left_pad(self._mask, width - old_len, dim=-1), _left_pad(mask, width - new_len, dim=-1)], dim=0
        )
        self.active.extend(arrivals)

    def _leave(self) -> None:
        """Drop finished rows, then the padding columns that no remaining row needs.

        The last rows move into the places of those that left, so that only they are copied.
        """
        stopped = [s.stopped for s in self.active]
        if not any(stopped):
            return
        order = _fill_holes(stopped)
        if not order:
            self.active, self._cache, self._mask = [], None, None
            return
        self.active = [self.active[i] for i in order]
        # Between steps a row's cache holds its prompt and all but its last generated token.
        first = self._mask.shape[1] - max(len(s.prompt_ids) + len(s.generated) - 1 for s in self.active)
        index = torch.tensor(order, device=self.device)
        self._mask = self._mask[index, first:]
        for layer in self._cache.layers:
            if isinstance(layer, SpareColumnsLayer):
                layer.keep_rows(order, trim=first)
            else:
                layer.keys = layer.keys[index, :, first:, :]
                layer.values = layer.values[index, :, first:, :]

    def _cache_bytes(self) -> int:
        cache = self._cache
        if cache is None:
            return 0
        return sum(
            t.untyped_storage().nbytes() for layer in cache.layers for t in (layer.keys, layer.values) if t is not None
        )


def prefill_groups(arrivals: list[Sequence]) -> list[list[Sequence]]:
    """The arrivals in groups prefilled together: prompts of similar lengths, shortest first.

    One forward pass over prompts of very different lengths computes mostly padding (a
    prompt of 8 tokens beside one of 600 costs 600), while each extra pass costs about as
    much as ``PREFILL_SPLIT_TOKENS`` prompt tokens (reading every weight once more): a
    longer prompt starts a new group when it would add more padding than that.
    """
    ordered = sorted(arrivals, key=lambda s: len(s.prompt_ids))
    groups = [[ordered[0]]]
    for sequence in ordered[1:]:
        group = groups[-1]
        added_padding = len(group) * (len(sequence.prompt_ids) - len(group[-1].prompt_ids))
        if added_padding > PREFILL_SPLIT_TOKENS:
            groups.append([sequence])
        else:
            group.append(sequence)
    return groups


def _fill_holes(stopped: list[bool]) -> list[int]:
    """The rows that stay, in their new order: each row that leaves is replaced by one from the end."""
    kept = len(stopped) - sum(stopped)
    order = list(range(kept))
    movers = [i for i in range(kept, len(stopped)) if not stopped[i]]
    holes = [i for i in range(kept) if stopped[i]]
    for hole, mover in zip(holes, movers, strict=True):
        order[hole] = mover
    return order


class SpareColumnsLayer(DynamicLayer):
    """A full-attention layer's keys and values for the whole batch, in buffers with room to spare.

    The buffers ("rooms") are ``[rows, heads, columns, head_dim]``: the batch's rows are the
    first ``rows``, its columns ``start:end`` (rows are left-padded to end together), and
    ``keys``/``values`` are views of that window. A decode step writes its column in place
    (``DynamicLayer`` concatenates, copying the layer's whole cache at every step); a row
    that leaves is overwritten by the last row, and a row that joins is written into a free
    row, so neither copies the rest of the batch. The rooms are copied only when full, and
    grow by ``SPARE_ROWS`` rows and ``SPARE_COLUMNS`` columns.

    Cells outside the window, or under a row's padding, hold zeros or stale keys and values:
    finite numbers that the attention mask weighs at exactly zero. The batcher changes rows
    only through :meth:`add_rows` and :meth:`keep_rows`; transformers' helpers that assign
    ``keys``/``values`` (beam search, cropping) are not for this layer.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows = self.start = self.end = 0
        self._rooms: list[torch.Tensor] = []

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        if not self._rooms:  # the prefill of a new batch
            self.rows = key_states.shape[0]
            self._rooms = [torch.zeros_like(t[..., :0, :]) for t in (key_states, value_states)]
        added = key_states.shape[-2]
        if self.end + added > self._rooms[0].shape[-2]:
            width = self.end - self.start
            self._move(rows=self._rooms[0].shape[0], columns=width + added + SPARE_COLUMNS, end=width)
        for room, new in zip(self._rooms, (key_states, value_states), strict=True):
            room[: self.rows, :, self.end : self.end + added] = new
        self.end += added
        return self._publish()

    def add_rows(self, keys: torch.Tensor, values: torch.Tensor) -> None:
        """Append rows whose columns end with the batch's (the window widens if they are longer)."""
        rows, width = self.rows + keys.shape[0], keys.shape[-2]
        wide = max(self.end - self.start, width)
        if rows > self._rooms[0].shape[0] or wide > self.end:
            self._move(rows=rows + SPARE_ROWS, columns=wide + SPARE_COLUMNS, end=wide)
        for room, new in zip(self._rooms, (keys, values), strict=True):
            room[self.rows : rows, :, self.end - width : self.end] = new
        self.rows, self.start = rows, self.end - wide
        self._publish()

    def keep_rows(self, order: list[int], *, trim: int) -> None:
        """Keep rows ``order`` (row i becomes row ``order[i]``), less ``trim`` columns on the left."""
        for row, source in enumerate(order):
            if row != source:
                for room in self._rooms:
                    room[row] = room[source]
        self.rows, self.start = len(order), self.start + trim
        self._publish()

    def _move(self, *, rows: int, columns: int, end: int) -> None:
        """Copy the window into new rooms of ``rows`` x ``columns``, ending at column ``end``."""
        width = self.end - self.start
        moved = []
        for room in self._rooms:
            shape = list(room.shape)
            shape[0], shape[-2] = rows, columns
            new = room.new_zeros(shape)
            new[: self.rows, :, end - width : end] = room[: self.rows, :, self.start : self.end]
            moved.append(new)
        self._rooms, self.start, self.end = moved, end - width, end

    def _publish(self) -> tuple[torch.Tensor, torch.Tensor]:
        self.keys, self.values = (room[: self.rows, :, self.start : self.end] for room in self._rooms)
        return self.keys, self.values


def batch_cache(config) -> DynamicCache:
    """A ``DynamicCache`` for ``config`` whose full-attention layers are :class:`SpareColumnsLayer`.

    Sliding-window, linear-attention and other kinds of layer stay transformers' own.
    """
    cache = DynamicCache(config=config)
    cache.layers = [SpareColumnsLayer() if type(layer) is DynamicLayer else layer for layer in cache.layers]
    if cache.layer_class_to_replicate is DynamicLayer:
        cache.layer_class_to_replicate = SpareColumnsLayer
    return cache


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
