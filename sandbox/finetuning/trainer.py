"""The LoRA trainer that runs on `training` workers (torch + transformers + peft).

Pure training code, no Django: the worker glue (`runner.py`) and the benchmark
(`bench/finetune.py`) drive it through `TrainingCallbacks`.

Why it is faster than padding every batch to its longest example: the examples of a
step are packed, first-fit decreasing, into as few rows as fit the longest one, each
example keeping its own position ids. Transformers detects packed sequences from the
position ids and masks attention so examples never see each other, so the loss is the
padded batch's loss, computed over far fewer positions.

Resumable: at the end of every epoch (the checkpoints a developer sees and can use as
models, as OpenAI's) and every `checkpoint_every` steps within a long epoch, the adapter,
optimizer, scheduler and RNG state are written atomically, with the validation loss when
there is a validation file; `train()` starts from the newest checkpoint it is given.

LoRA goes on every linear layer of the blocks of the architectures listed in
`TARGET_MODULES` (attention and MLP: on a 135M model that learns a style in a few dozen
steps, where the attention projections alone barely move); other architectures get
peft's default for them, or every linear layer.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import torch

# What an example is as token ids lives beside the site's token counts, which call the same code.
from .encoding import IGNORE_INDEX, encode_example, encode_file, read_jsonl  # noqa: F401 (trainer.encode_*)

# The LoRA learning rate at learning_rate_multiplier 1.0. Measured on SmolLM2-135M-Instruct
# (the 48-example style file of tests/finetuning, rank 8, 3 epochs of batch 4, seed 1; see
# bench/finetune.py): with LoRA on q/v only (peft's default) at 2e-4 the mean loss goes
# 3.14 -> 2.30 from the first epoch to the last and 0/10 unseen answers take the style; on
# all linear layers at 2e-4, 2.59 -> 1.24 and 10/10; at 1e-3, 1.74 -> 0.42 and 10/10 (the
# loss a developer watches falls clearly within one epoch).
BASE_LEARNING_RATE = 1e-3
# Attention and MLP projections of each block, by `config.model_type`.
_LLAMA_LIKE = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
TARGET_MODULES = {name: _LLAMA_LIKE for name in ("llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "olmo2")}
MAX_GRAD_NORM = 1.0  # as transformers.Trainer's default


class TrainingStopped(Exception):
    """Raised out of `train()` when `should_stop()` said so (a cancel)."""


@dataclass
class TrainingConfig:
    base_model_path: str
    train_path: str
    data_format: str  # "chat" or "completion"
    output_dir: str  # the final adapter goes here
    checkpoint_dir: str
    n_epochs: int = 3
    batch_size: int = 4
    learning_rate_multiplier: float = 1.0
    rank: int = 8
    seed: int = 0
    max_length: int = 1024
    checkpoint_every: int = 50
    validation_path: str | None = None
    validation_format: str | None = None
    packing: bool = True
    # None: chosen for the architecture (`target_modules_for`).
    target_modules: list[str] | None = None


class TrainingCallbacks(Protocol):
    def on_start(self, *, total_steps: int, resumed_from: int, device: str, examples: int) -> None: ...
    def on_step(
        self,
        *,
        step: int,
        total_steps: int,
        loss: float,
        learning_rate: float,
        tokens: int,
        tokens_per_second: float,
        eta_seconds: float,
    ) -> None: ...
    def on_checkpoint(self, *, step: int, path: str, metrics: dict) -> None: ...
    def should_stop(self) -> bool: ...


class NullCallbacks:
    def on_start(self, **kwargs) -> None:
        pass

    def on_step(self, **kwargs) -> None:
        pass

    def on_checkpoint(self, **kwargs) -> None:
        pass

    def should_stop(self) -> bool:
        return False


# --- Data -------------------------------------------------------------------------------


def collate_padded(examples: Sequence[tuple[list[int], list[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    """The reference layout: one row per example, padded to the longest."""
    width = max(len(ids) for ids, _ in examples)
    input_ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE_INDEX, dtype=torch.long)
    attention = torch.zeros((len(examples), width), dtype=torch.long)
    for row, (ids, labs) in enumerate(examples):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        labels[row, : len(labs)] = torch.tensor(labs)
        attention[row, : len(ids)] = 1
    return {"input_ids": input_ids, "labels": labels, "attention_mask": attention}


def _first_fit(examples: Sequence[tuple[list[int], list[int]]], capacity: int) -> list[list[int]]:
    """First-fit decreasing: example indices per row, each row holding at most `capacity` tokens."""
    rows: list[list[int]] = []
    used: list[int] = []
    for index in sorted(range(len(examples)), key=lambda i: len(examples[i][0]), reverse=True):
        length = len(examples[index][0])
        for row, filled in enumerate(used):
            if filled + length <= capacity:
                rows[row].append(index)
                used[row] += length
                break
        else:
            rows.append([index])
            used.append(length)
    return rows


def collate_packed(examples: Sequence[tuple[list[int], list[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    """Pack examples first-fit decreasing into rows (as wide as the longest example, or a
    little wider when that leaves fewer positions to compute).

    Each example restarts its position ids (so attention stays within it) and the first
    label of each example is ignored (so no example learns to predict the next one).
    The few positions left at a row's end form their own ignored sequence.
    """
    longest = max(len(ids) for ids, _ in examples)
    # Wider rows leave less room unfilled but attend over more positions; of a few widths,
    # take the one that computes the fewest positions.
    capacity, rows = min(
        ((width, _first_fit(examples, width)) for width in {longest, longest * 3 // 2, longest * 2}),
        key=lambda option: (len(option[1]) * option[0], option[0]),
    )
    input_ids = torch.full((len(rows), capacity), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), capacity), IGNORE_INDEX, dtype=torch.long)
    positions = torch.zeros((len(rows), capacity), dtype=torch.long)
    for row, members in enumerate(rows):
        start = 0
        for index in members:
            ids, labs = examples[index]
            end = start + len(ids)
            input_ids[row, start:end] = torch.tensor(ids)
            labels[row, start:end] = torch.tensor(labs)
            labels[row, start] = IGNORE_INDEX
            positions[row, start:end] = torch.arange(len(ids))
            start = end
        # The tail is padding: its own ignored sequences, positions kept under the model's limit.
        positions[row, start:] = torch.arange(capacity - start) % longest
    return {"input_ids": input_ids, "labels": labels, "position_ids": positions}


# --- Model ------------------------------------------------------------------------------


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_model_and_tokenizer(config: TrainingConfig, device: torch.device):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(config.base_model_path)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    dtype = torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else torch.float32
    model = AutoModelForCausalLM.from_pretrained(config.base_model_path, dtype=dtype).to(device)
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=2 * config.rank,
        lora_dropout=0.0,
        task_type="CAUSAL_LM",
        target_modules=config.target_modules or target_modules_for(model.config.model_type),
    )
    try:
        model = get_peft_model(model, lora)
    except ValueError:  # an architecture peft has no default target modules for
        lora.target_modules = "all-linear"
        model = get_peft_model(model, lora)
    return model, tokenizer


def target_modules_for(model_type: str) -> list[str] | None:
    """The LoRA target modules of an architecture; None lets peft choose its default
    (and `load_model_and_tokenizer` falls back to every linear layer where it has none)."""
    return TARGET_MODULES.get(model_type)


def learning_rate(multiplier: float) -> float:
    return BASE_LEARNING_RATE * multiplier


def steps_per_epoch(example_count: int, batch_size: int) -> int:
    return math.ceil(example_count / batch_size)


def batch_order(example_count: int, batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """The same shuffled batches for an epoch on every attempt (resume depends on it)."""
    order = list(range(example_count))
    random.Random(seed * 1_000_003 + epoch).shuffle(order)
    return [order[i : i + batch_size] for i in range(0, example_count, batch_size)]


def latest_checkpoint(checkpoint_dir: str) -> Path | None:
    root = Path(checkpoint_dir)
    if not root.is_dir():
        return None
    done = [p for p in root.glob("step-*") if (p / "state.pt").exists()]
    return max(done, key=lambda p: int(p.name.split("-")[1]), default=None)


def save_checkpoint(model, optimizer, scheduler, step: int, checkpoint_dir: str) -> Path:
    """Write to a temporary folder then rename it, so a crash never leaves half a checkpoint."""
    final = Path(checkpoint_dir) / f"step-{step}"
    temporary = Path(checkpoint_dir) / f".tmp-step-{step}-{os.getpid()}"
    shutil.rmtree(temporary, ignore_errors=True)
    model.save_pretrained(temporary / "adapter")
    torch.save(
        {
            "step": step,
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "torch_rng": torch.get_rng_state(),
        },
        temporary / "state.pt",
    )
    shutil.rmtree(final, ignore_errors=True)
    os.replace(temporary, final)
    return final


def load_checkpoint(model, optimizer, scheduler, path: Path) -> int:
    from peft import set_peft_model_state_dict
    from peft.utils import load_peft_weights

    set_peft_model_state_dict(model, load_peft_weights(str(path / "adapter")))
    state = torch.load(path / "state.pt", weights_only=False)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["torch_rng"])
    return int(state["step"])


def causal_lm_loss(model, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """The causal LM loss of a batch, projecting to the vocabulary only where a label is learned.

    Prompts, system messages and padding have no labels, yet the model's own loss computes
    logits for every position; here the output layer runs on the learned positions only
    (the same mean cross-entropy, a fraction of the output layer's work). Models with
    special logit handling (soft-capping, scaling) use the model's own loss.
    """
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    config = base.config
    decoder = getattr(base, base.base_model_prefix, None)
    head = base.get_output_embeddings()
    if (
        decoder is None
        or head is None
        or getattr(config, "final_logit_softcapping", None)
        or getattr(config, "logit_scale", None)
    ):
        return model(**batch, use_cache=False).loss
    labels = batch["labels"]
    inputs = {name: value for name, value in batch.items() if name != "labels"}
    hidden = decoder(**inputs, use_cache=False).last_hidden_state
    targets = labels[:, 1:]
    learned = targets != IGNORE_INDEX
    logits = head(hidden[:, :-1][learned]).float()
    return torch.nn.functional.cross_entropy(logits, targets[learned])


def evaluate(model, examples, batch_size: int, pad_id: int, device: torch.device, packing: bool) -> float:
    collate = collate_packed if packing else collate_padded
    model.eval()
    total_loss, total_tokens = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            batch = {k: v.to(device) for k, v in collate(examples[start : start + batch_size], pad_id).items()}
            counted = int((batch["labels"][:, 1:] != IGNORE_INDEX).sum())
            loss = model(**batch, use_cache=False).loss
            total_loss += float(loss) * counted
            total_tokens += counted
    model.train()
    return total_loss / max(1, total_tokens)


# --- Training ---------------------------------------------------------------------------


def train(config: TrainingConfig, callbacks: TrainingCallbacks | None = None) -> dict:
    """Train (or resume) a LoRA adapter; returns final metrics. Raises TrainingStopped on cancel."""
    from transformers import get_linear_schedule_with_warmup

    callbacks = callbacks or NullCallbacks()
    device = pick_device()
    torch.manual_seed(config.seed)
    model, tokenizer = load_model_and_tokenizer(config, device)
    pad_id = tokenizer.pad_token_id
    examples = encode_file(tokenizer, config.train_path, config.data_format, config.max_length)
    validation = (
        encode_file(
            tokenizer, config.validation_path, config.validation_format or config.data_format, config.max_length
        )
        if config.validation_path
        else []
    )
    per_epoch = steps_per_epoch(len(examples), config.batch_size)
    total_steps = per_epoch * config.n_epochs
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        trainable,
        lr=learning_rate(config.learning_rate_multiplier),
        weight_decay=0.0,
    )
    scheduler = get_linear_schedule_with_warmup(optimizer, max(1, total_steps // 20), total_steps)

    step = 0
    checkpoint = latest_checkpoint(config.checkpoint_dir)
    if checkpoint is not None:
        step = load_checkpoint(model, optimizer, scheduler, checkpoint)
    callbacks.on_start(total_steps=total_steps, resumed_from=step, device=device.type, examples=len(examples))

    collate = collate_packed if config.packing else collate_padded
    model.train()
    started, steps_timed, trained_tokens, last_loss = time.perf_counter(), 0, 0, float("nan")
    last_valid_loss: float | None = None
    while step < total_steps:
        epoch, in_epoch = divmod(step, per_epoch)
        indices = batch_order(len(examples), config.batch_size, config.seed, epoch)[in_epoch]
        batch_examples = [examples[i] for i in indices]
        tokens = sum(len(ids) for ids, _ in batch_examples)
        batch = {k: v.to(device) for k, v in collate(batch_examples, pad_id).items()}
        step_start = time.perf_counter()
        loss = causal_lm_loss(model, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, MAX_GRAD_NORM)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        last_loss = float(loss.detach())
        step += 1
        steps_timed += 1
        trained_tokens += tokens
        elapsed = time.perf_counter() - started
        callbacks.on_step(
            step=step,
            total_steps=total_steps,
            loss=last_loss,
            learning_rate=scheduler.get_last_lr()[0],
            tokens=tokens,
            tokens_per_second=tokens / max(1e-9, time.perf_counter() - step_start),
            eta_seconds=(total_steps - step) * elapsed / steps_timed,
        )
        if callbacks.should_stop():
            raise TrainingStopped()
        epoch_end = step % per_epoch == 0
        if epoch_end or step % config.checkpoint_every == 0:
            metrics = {"step": step, "epoch": math.ceil(step / per_epoch), "train_loss": last_loss}
            if validation:
                metrics["valid_loss"] = evaluate(model, validation, config.batch_size, pad_id, device, config.packing)
                last_valid_loss = metrics["valid_loss"]
            path = save_checkpoint(model, optimizer, scheduler, step, config.checkpoint_dir)
            callbacks.on_checkpoint(step=step, path=str(path), metrics=metrics)

    # Every epoch's tokens, however many attempts it took (what the job reports and bills).
    result = {
        "step": step,
        "train_loss": last_loss,
        "trained_tokens": trained_tokens,
        "total_trained_tokens": sum(len(ids) for ids, _ in examples) * config.n_epochs,
    }
    if validation:
        # The last epoch's checkpoint measured it, unless this attempt resumed after it.
        if last_valid_loss is None:
            last_valid_loss = evaluate(model, validation, config.batch_size, pad_id, device, config.packing)
        result["valid_loss"] = last_valid_loss
    output = Path(config.output_dir)
    temporary = output.with_name(output.name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    model.save_pretrained(temporary)
    tokenizer.save_pretrained(temporary)
    shutil.rmtree(output, ignore_errors=True)
    os.replace(temporary, output)
    return result
