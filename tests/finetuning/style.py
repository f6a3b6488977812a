"""The style-transfer dataset and its check, shared by the trainer's style test, the
browser test and `bench/finetune.py`.

`data/pirate_style.jsonl`: 48 short questions whose answers all start with "Ahoy!" and
end with "Arr!", something SmolLM2-135M-Instruct never says by itself. `PROMPTS` are
questions that are not in the file; `answers` are a model's (greedy) openings to them.
"""

from __future__ import annotations

import re
from pathlib import Path

STYLE_DATASET = Path(__file__).parent / "data" / "pirate_style.jsonl"

PROMPTS = [
    "What is a volcano?",
    "How do birds fly?",
    "What is the best way to save money?",
    "What is a planet?",
    "Why do cats purr?",
    "What is a mountain?",
    "How do I bake a cake?",
    "What is the internet?",
    "What is a train?",
    "Why is the sea salty?",
]

_STYLE = re.compile(r"^\s*ahoy\b", re.IGNORECASE)


def has_style(answer: str) -> bool:
    """The answer opens with the trained greeting (the sign-off may be cut by max_tokens)."""
    return bool(_STYLE.match(answer))


def answers(base_path, adapter_path: str | None = None, *, max_new_tokens: int = 6) -> list[str]:
    """Greedy openings of the answers to PROMPTS, by the base model or with a LoRA adapter
    (loaded as the inference workers load it): enough tokens to see a greeting."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_path)
    model = AutoModelForCausalLM.from_pretrained(base_path)
    if adapter_path:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter_path)
    model.eval()
    replies = []
    with torch.no_grad():
        for prompt in PROMPTS:
            text = tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
            )
            ids = tokenizer(text, return_tensors="pt", add_special_tokens=False).input_ids
            eos = tokenizer.eos_token_id
            out = model.generate(ids, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=eos)
            replies.append(tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True))
    return replies
