"""The process-wide inference engine of an `inference` worker.

Each model is loaded once (on first request) and stays resident: causal LMs behind a
:class:`~sandbox.inference.batching.ContinuousBatcher`, sentence embedders behind an
:class:`EmbeddingBatcher`. LoRA adapters (fine-tuned ``ft:`` models) are loaded on
demand into their base model's batcher and applied per request. A model that fails to
load is remembered with the reason for ``LOAD_RETRY_SECONDS`` so that every request
for it gets a 503 at once instead of waiting on a load that will fail again.

A reporter thread exports the worker's health to Redis (see ``health.py``).
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from django.conf import settings

from . import health
from .batching import ContinuousBatcher

logger = logging.getLogger(__name__)

LOAD_RETRY_SECONDS = 60


class ModelUnavailable(Exception):
    """A model cannot be served by this worker; the message says why (shown to callers)."""


@dataclass(frozen=True)
class ModelSpec:
    """What the engine needs to load a model (plain values, never an ORM object)."""

    model_id: str
    source: str
    revision: str = ""
    backend: str = "causal-lm"

    @property
    def key(self) -> str:
        return f"{self.backend}:{self.source}@{self.revision}"


@dataclass
class ResidentLM:
    spec: ModelSpec
    model: object
    tokenizer: object
    device: torch.device
    batcher: ContinuousBatcher
    max_positions: int
    eos_token_ids: frozenset[int]
    memory_bytes: int
    adapters: dict[str, str] = field(default_factory=dict)
    served_as: set[str] = field(default_factory=set)

    def load_adapter(self, name: str, adapter_path: str) -> None:
        """Load a LoRA adapter into this base model (once); runs on the batcher's thread."""
        if name in self.adapters:
            return
        from peft import PeftModel

        path = Path(adapter_path)
        if not path.is_absolute():
            path = Path(settings.MODEL_STORE) / path
        if not path.is_dir():
            raise ModelUnavailable(f"The adapter directory {adapter_path} does not exist on this worker.")
        if isinstance(self.batcher.model, PeftModel):
            self.batcher.model.load_adapter(str(path), adapter_name=name)
        else:
            self.batcher.model = PeftModel.from_pretrained(self.model, str(path), adapter_name=name)
        self.batcher.model.eval()
        self.adapters[name] = str(path)


@dataclass
class EmbedJob:
    inputs: list[str]
    done: threading.Event = field(default_factory=threading.Event)
    result: list[list[float]] | None = None
    error: Exception | None = None


class EmbeddingBatcher:
    """Embeds the inputs of all waiting requests together, one forward pass per batch."""

    def __init__(self, model, *, name: str, max_inputs: int = 256):
        self.model = model
        self.name = name
        self.max_inputs = max_inputs
        self.pending: queue.Queue[EmbedJob] = queue.Queue()
        self.last_batch_size = 0
        self._recent: list[tuple[float, int]] = []
        # A fast tokenizer switches padding on and off around each call; two threads using
        # it at once (a request counting its tokens while a batch encodes) can make the batch
        # unpadded and fail it. Every use of the tokenizer holds this lock.
        self.tokenizer_lock = threading.Lock()
        threading.Thread(target=self._run, name=f"embedder-{name}", daemon=True).start()

    def token_counts(self, inputs: list[str]) -> list[int]:
        """How many tokens each input is, special tokens included."""
        with self.tokenizer_lock:
            encoded = self.model.tokenizer(inputs, add_special_tokens=True)
        return [len(ids) for ids in encoded["input_ids"]]

    def embed(self, inputs: list[str]) -> list[list[float]]:
        job = EmbedJob(inputs=inputs)
        self.pending.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    def stats(self) -> dict:
        now = time.monotonic()
        recent = [(t, n) for t, n in self._recent if now - t <= 10]
        return {
            "batch_size": self.last_batch_size,
            "queue_depth": self.pending.qsize(),
            "inputs_per_s": round(sum(n for _, n in recent) / 10, 1),
        }

    def _run(self) -> None:
        while True:
            jobs = [self.pending.get()]
            total = len(jobs[0].inputs)
            while total < self.max_inputs:
                try:
                    job = self.pending.get_nowait()
                except queue.Empty:
                    break
                jobs.append(job)
                total += len(job.inputs)
            texts = [text for job in jobs for text in job.inputs]
            self.last_batch_size = len(texts)
            try:
                with torch.inference_mode(), self.tokenizer_lock:
                    # The model's own modules pool and normalize, as its card says.
                    vectors = self.model.encode(
                        texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False
                    ).tolist()
            except Exception as exc:
                logger.exception("embedding batch failed for %s", self.name)
                for job in jobs:
                    job.error = exc
                    job.done.set()
                continue
            now = time.monotonic()
            self._recent = [(t, n) for t, n in self._recent if now - t <= 10] + [(now, len(texts))]
            offset = 0
            for job in jobs:
                job.result = vectors[offset : offset + len(job.inputs)]
                offset += len(job.inputs)
                job.done.set()


@dataclass
class ResidentEmbedder:
    spec: ModelSpec
    model: object
    batcher: EmbeddingBatcher
    max_tokens: int
    memory_bytes: int
    device: torch.device
    served_as: set[str] = field(default_factory=set)


@dataclass
class LoadFailure:
    model_id: str
    reason: str
    at: float


def select_device() -> tuple[torch.device, torch.dtype]:
    """CUDA when available (bf16 where supported, else fp16); CPU with float32 otherwise."""
    choice = settings.INFERENCE_DEVICE
    if choice == "auto":
        choice = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(choice)
    if device.type == "cuda":
        return device, torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return device, torch.float32


def resolve_weights(source: str, revision: str = "") -> Path:
    """The local directory of a model's weights: built-in, a local path, or the HF cache/hub.

    The HF cache is tried first (no network); the hub only when the files are not cached
    and ``HF_HUB_OFFLINE`` is not set.
    """
    from huggingface_hub import snapshot_download

    from .defaults import BUILTIN_PREFIX, builtin_path

    if not source:
        raise ModelUnavailable("No weights are configured for this model (empty source).")
    if source.startswith(BUILTIN_PREFIX):
        return builtin_path(source)
    local = Path(source).expanduser()
    if local.is_dir():
        return local
    if local.is_absolute() or source.startswith("."):
        if not local.is_dir():
            raise ModelUnavailable(f"The weights directory {source} does not exist on this worker.")
        return local
    try:
        return Path(snapshot_download(repo_id=source, revision=revision or None, local_files_only=True))
    except Exception as cached_error:
        offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}
        if offline:
            raise ModelUnavailable(
                f"The weights of `{source}` are not in this worker's Hugging Face cache and the hub is "
                f"offline (HF_HUB_OFFLINE): {type(cached_error).__name__}."
            ) from cached_error
        try:
            return Path(snapshot_download(repo_id=source, revision=revision or None))
        except Exception as exc:
            raise ModelUnavailable(
                f"The weights of `{source}` could not be downloaded from the Hugging Face hub and are not "
                f"cached on this worker: {type(exc).__name__}: {exc}"[:400]
            ) from exc


def _module_bytes(module) -> int:
    return sum(t.numel() * t.element_size() for t in list(module.parameters()) + list(module.buffers()))


class InferenceEngine:
    """Resident models of this worker process, loaded once each, shared by all task threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._load_locks: dict[str, threading.Lock] = {}
        self._resident: dict[str, ResidentLM | ResidentEmbedder] = {}
        self._failures: dict[str, LoadFailure] = {}
        self.device, self.dtype = select_device()
        if self.device.type == "cpu":
            torch.set_num_threads(settings.INFERENCE_CPU_THREADS)
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        threading.Thread(target=self._report_forever, name="inference-health", daemon=True).start()

    # --- Loading ---------------------------------------------------------------------

    def causal_lm(self, spec: ModelSpec) -> ResidentLM:
        return self._get(spec, self._load_causal_lm)

    def embedder(self, spec: ModelSpec) -> ResidentEmbedder:
        return self._get(spec, self._load_embedder)

    def _get(self, spec: ModelSpec, loader):
        resident = self._resident.get(spec.key)
        if resident is None:
            with self._lock:
                load_lock = self._load_locks.setdefault(spec.key, threading.Lock())
            with load_lock:
                resident = self._resident.get(spec.key)
                if resident is None:
                    failure = self._failures.get(spec.key)
                    if failure and time.monotonic() - failure.at < LOAD_RETRY_SECONDS:
                        raise ModelUnavailable(failure.reason)
                    try:
                        resident = loader(spec)
                    except Exception as exc:
                        reason = (
                            str(exc)
                            if isinstance(exc, ModelUnavailable)
                            else (
                                f"The model `{spec.model_id}` failed to load on this worker: "
                                f"{type(exc).__name__}: {exc}"[:500]
                            )
                        )
                        logger.exception("model %s failed to load", spec.model_id)
                        self._failures[spec.key] = LoadFailure(spec.model_id, reason, time.monotonic())
                        self._report()
                        raise ModelUnavailable(reason) from exc
                    self._failures.pop(spec.key, None)
                    self._resident[spec.key] = resident
                    self._report()
        resident.served_as.add(spec.model_id)
        return resident

    def _load_causal_lm(self, spec: ModelSpec) -> ResidentLM:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = resolve_weights(spec.source, spec.revision)
        started = time.monotonic()
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=self.dtype, local_files_only=True)
        model.to(self.device).eval()
        eos = model.generation_config.eos_token_id
        if eos is None:
            eos = tokenizer.eos_token_id
        eos_ids = frozenset([eos] if isinstance(eos, int) else (eos or []))
        config = model.config
        max_positions = (
            getattr(config, "max_position_embeddings", None)
            or getattr(config, "n_positions", None)
            or tokenizer.model_max_length
        )
        batcher = ContinuousBatcher(
            model, name=spec.model_id, device=self.device, max_batch_size=settings.INFERENCE_MAX_BATCH_SIZE
        )
        resident = ResidentLM(
            spec=spec,
            model=model,
            tokenizer=tokenizer,
            device=self.device,
            batcher=batcher,
            max_positions=int(max_positions),
            eos_token_ids=eos_ids,
            memory_bytes=_module_bytes(model),
        )
        batcher.load_adapter = resident.load_adapter
        logger.info("loaded %s from %s on %s in %.1fs", spec.model_id, path, self.device, time.monotonic() - started)
        return resident

    def _load_embedder(self, spec: ModelSpec) -> ResidentEmbedder:
        from sentence_transformers import SentenceTransformer

        path = resolve_weights(spec.source, spec.revision)
        model = SentenceTransformer(str(path), device=str(self.device), local_files_only=True)
        if self.device.type == "cuda":
            model.half()
        model.eval()
        return ResidentEmbedder(
            spec=spec,
            model=model,
            batcher=EmbeddingBatcher(model, name=spec.model_id),
            max_tokens=int(model.max_seq_length),
            memory_bytes=_module_bytes(model),
            device=self.device,
        )

    # --- Health ----------------------------------------------------------------------

    def snapshot(self) -> dict:
        models: dict[str, dict] = {}
        for resident in list(self._resident.values()):
            stats = resident.batcher.stats()
            extra = {}
            if isinstance(resident, ResidentLM):
                extra = {"adapters": sorted(resident.adapters)}
            for model_id in sorted(resident.served_as) or [resident.spec.model_id]:
                models[model_id] = {
                    "state": "ready",
                    "device": str(resident.device),
                    "memory_bytes": resident.memory_bytes,
                    **stats,
                    **extra,
                }
        for failure in list(self._failures.values()):
            models[failure.model_id] = {"state": "failed", "error": failure.reason}
        snapshot = {
            "worker": self.worker,
            "device": str(self.device),
            "dtype": str(self.dtype).removeprefix("torch."),
            "cuda": torch.cuda.is_available(),
            "models": models,
            "updated_at": time.time(),
        }
        if self.device.type == "cuda":
            snapshot["cuda_memory_allocated_bytes"] = torch.cuda.memory_allocated(self.device)
            snapshot["cuda_memory_reserved_bytes"] = torch.cuda.memory_reserved(self.device)
        return snapshot

    def _report(self) -> None:
        try:
            health.publish_worker_health(self.worker, self.snapshot())
        except Exception:
            logger.warning("could not export inference health", exc_info=True)

    def _report_forever(self) -> None:
        while True:
            self._report()
            time.sleep(health.REPORT_INTERVAL_SECONDS)


_engine: InferenceEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> InferenceEngine:
    """The engine of this worker process (created on first use)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = InferenceEngine()
        return _engine
