"""Tiny causal LMs and datasets built on the spot, for tests and the benchmark.

No network: the tokenizer is a byte-level BPE trained here on a few sentences and the
model is a randomly initialised GPT-2 of the requested size, saved in HF format.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>", "<|tool|>"]
WORDS = [
    "the",
    "a",
    "model",
    "learns",
    "from",
    "data",
    "every",
    "step",
    "of",
    "training",
    "makes",
    "loss",
    "go",
    "down",
    "atrium",
    "hosts",
    "models",
    "for",
    "developers",
    "who",
    "ask",
    "questions",
    "and",
    "get",
    "answers",
    "about",
    "python",
    "django",
    "celery",
    "workers",
    "queues",
    "gpus",
    "tokens",
    "adapters",
    "weights",
    "fine",
    "tuning",
    "is",
    "fast",
    "when",
    "examples",
    "are",
    "packed",
    "without",
    "padding",
    "waste",
]


def sentence(rng: random.Random, low: int = 3, high: int = 30, *, long_tail: bool = False) -> str:
    """Uniform lengths, or (long_tail) mostly short with a few long ones, as real chat data."""
    if long_tail:
        count = min(high, max(low, int(rng.lognormvariate(math.log(high / 5), 0.9))))
    else:
        count = rng.randint(low, high)
    return " ".join(rng.choice(WORDS) for _ in range(count))


def build_tiny_lm(
    path: str | Path, *, hidden: int = 64, layers: int = 2, heads: int = 2, positions: int = 512, seed: int = 0
) -> Path:
    """Save a random GPT-2 and its tokenizer (with a chat template) under `path`."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    corpus = [sentence(rng) for _ in range(500)] + [" ".join(WORDS)]
    tokenizer.train_from_iterator(
        corpus,
        trainers.BpeTrainer(
            vocab_size=400, special_tokens=SPECIAL_TOKENS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
        ),
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|endoftext|>",  # noqa: S106 (tokens, not passwords)
        pad_token="<|endoftext|>",  # noqa: S106 (tokens, not passwords)
        additional_special_tokens=SPECIAL_TOKENS[1:],
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(path)
    torch.manual_seed(seed)
    config = GPT2Config(
        vocab_size=len(fast),
        n_positions=positions,
        n_embd=hidden,
        n_layer=layers,
        n_head=heads,
        bos_token_id=fast.eos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.eos_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(path)
    return path


def chat_dataset(count: int, *, seed: int = 0, low: int = 3, high: int = 30, long_tail: bool = False) -> list[dict]:
    """Chat examples of varied lengths whose replies follow a learnable pattern."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        question = sentence(rng, low, high, long_tail=long_tail)
        rows.append(
            {
                "messages": [
                    {"role": "system", "content": "You answer briefly."},
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": "atrium says " + " ".join(reversed(question.split()[:8]))},
                ]
            }
        )
    return rows


def write_jsonl(path: str | Path, rows: list[dict]) -> Path:
    path = Path(path)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path
