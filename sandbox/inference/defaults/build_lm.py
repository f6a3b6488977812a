"""Build ``atrium-gpt-mini``: a byte-level BPE tokenizer and a small GPT-2 trained on CPU.

The build trains for a wall-clock budget (``settings.ATRIUM_GPT_MINI_TRAIN_SECONDS``,
about two minutes by default; the tests use a few seconds) with a tqdm progress bar and
saves the model, tokenizer, chat template, generation config and a model card in HF
format. It is atomic: one process builds under a file lock into a temporary directory
that is renamed into place, so concurrent workers never see a half-written model.
"""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path

from django.conf import settings

from . import GPT_MINI_ID
from .store import materialize

logger = logging.getLogger(__name__)

CORPUS = Path(__file__).with_name("corpus.txt")
BUILD_INFO = "atrium_build.json"
# Bump when the architecture or the recipe changes: older builds are then rebuilt.
RECIPE_VERSION = 1

SPECIAL_TOKENS = ["<|endoftext|>", "<|user|>", "<|assistant|>", "<|system|>", "<|end|>"]
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}<|assistant|>\n{{ message['content'] }}<|end|>\n"
    "{% elif message['role'] == 'system' %}<|system|>\n{{ message['content'] }}\n"
    "{% else %}<|user|>\n{{ message['content'] }}\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
MODEL_CARD = """---
language: en
license: apache-2.0
library_name: transformers
pipeline_tag: text-generation
---
# atrium-gpt-mini

A small GPT-2-style language model that Atrium builds on first run, on CPU, from text
it ships (`sandbox/inference/defaults/corpus.txt`: short stories about a harbour town
and simple helpful dialogues). It writes plain English sentences; it knows nothing
beyond its tiny corpus. Use it to try the API, streaming and fine-tuning for free.

| Property | Value |
|---|---|
| Architecture | GPT-2, {n_layer} layers, {n_embd} hidden, {n_head} heads |
| Context | {n_positions} tokens |
| Tokenizer | byte-level BPE, {vocab_size} tokens |
| Training | {seconds:.0f} s on CPU, {steps} steps, final loss {loss:.2f} |

Call it by its id, `atrium-gpt-mini`, on `/v1/chat/completions` or `/v1/completions`:
its page on Atrium shows the request in curl, Python and JavaScript.
"""


def store_path() -> Path:
    return Path(settings.MODEL_STORE) / GPT_MINI_ID


def _build_info(path: Path) -> dict | None:
    try:
        return json.loads((path / BUILD_INFO).read_text())
    except (OSError, ValueError):
        return None


def _is_good_enough(path: Path, train_seconds: float | None) -> bool:
    info = _build_info(path)
    if not info or info.get("recipe") != RECIPE_VERSION:
        return False
    return train_seconds is None or info.get("train_seconds", 0) >= train_seconds


def ensure_built(*, train_seconds: float | None = None) -> Path:
    """Return the model's directory, building it first when missing (or trained for less
    than ``train_seconds``, when given)."""
    budget = float(settings.ATRIUM_GPT_MINI_TRAIN_SECONDS) if train_seconds is None else train_seconds
    return materialize(
        store_path(),
        ready=lambda path: _is_good_enough(path, train_seconds),
        build=lambda directory: build(directory, train_seconds=budget),
    )


def _train_tokenizer(text: str, vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(text.split("\n\n"), trainer=trainer)
    # GPT-2's convention: one end-of-text token serves as BOS, EOS, UNK and padding.
    roles = dict.fromkeys(("bos_token", "eos_token", "unk_token", "pad_token"), SPECIAL_TOKENS[0])
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, additional_special_tokens=SPECIAL_TOKENS[1:], **roles)
    fast.chat_template = CHAT_TEMPLATE
    fast.model_max_length = 256
    return fast


def build(directory: Path, *, train_seconds: float, seed: int = 0) -> Path:
    """Train the tokenizer and the model into ``directory`` (HF format)."""
    import torch
    from tqdm import tqdm
    from transformers import GenerationConfig, GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    text = CORPUS.read_text(encoding="utf-8")
    tokenizer = _train_tokenizer(text, vocab_size=2048)
    eot = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    end = tokenizer.convert_tokens_to_ids("<|end|>")
    ids: list[int] = []
    for document in text.split("\n\n"):
        ids.extend(tokenizer(document.strip())["input_ids"])
        ids.append(eot)
    data = torch.tensor(ids, dtype=torch.long)

    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=256,
        n_embd=128,
        n_layer=4,
        n_head=4,
        bos_token_id=eot,
        eos_token_id=eot,
        pad_token_id=eot,
    )
    model = GPT2LMHeadModel(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    block, batch_size = 96, 16
    started = time.monotonic()
    step, loss_value = 0, float("nan")
    model.train()
    with tqdm(total=int(train_seconds), desc=f"Training {GPT_MINI_ID}", unit="s", mininterval=1.0) as bar:
        while (elapsed := time.monotonic() - started) < train_seconds:
            # Cosine decay over the time budget, after a short warm-up.
            progress = elapsed / train_seconds
            lr = 3e-3 * min(1.0, (step + 1) / 30) * 0.5 * (1 + math.cos(math.pi * progress))
            for group in optimizer.param_groups:
                group["lr"] = max(lr, 1e-4)
            starts = torch.randint(0, len(data) - block - 1, (batch_size,))
            batch = torch.stack([data[s : s + block] for s in starts])
            loss = model(input_ids=batch, labels=batch).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            loss_value = loss.item()
            if (shown := min(int(time.monotonic() - started), int(train_seconds))) > bar.n:
                bar.set_postfix(step=step, loss=f"{loss_value:.2f}", refresh=False)
                bar.update(shown - bar.n)
    model.eval()
    model.generation_config = GenerationConfig(
        eos_token_id=[end, eot], pad_token_id=eot, bos_token_id=eot, max_new_tokens=128
    )
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    seconds = time.monotonic() - started
    (directory / "README.md").write_text(
        MODEL_CARD.format(
            seconds=seconds,
            steps=step,
            loss=loss_value,
            vocab_size=len(tokenizer),
            **{k: getattr(config, k) for k in ("n_layer", "n_embd", "n_head", "n_positions")},
        )
    )
    (directory / BUILD_INFO).write_text(
        json.dumps(
            {
                "recipe": RECIPE_VERSION,
                "train_seconds": train_seconds,
                "steps": step,
                "loss": loss_value,
            }
        )
    )
    logger.info("built %s in %.0fs (%d steps, loss %.2f)", GPT_MINI_ID, seconds, step, loss_value)
    return directory
