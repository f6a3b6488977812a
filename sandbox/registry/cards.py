"""Model cards: read from the weights' README, rendered from Markdown to safe HTML."""

from __future__ import annotations

import re
from pathlib import Path

from portal.markdown import THIRD_PARTY, render_markdown

# A card opens with its own title (`# SmolLM2-135M-Instruct`); the model page has one already.
LEADING_TITLE = re.compile(r"\A\s*<h1>.*?</h1>\s*", re.DOTALL)


def render_card(source: str) -> str:
    """The model card (a README written elsewhere) as sanitized HTML: no front matter, no
    title of its own (the page shows the model's), code highlighted, links nofollow ugc
    noopener, no classes but Pygments' own."""
    return LEADING_TITLE.sub("", render_markdown(source, profile=THIRD_PARTY).html, count=1)


def card_from_weights(directory: Path) -> str:
    """The README.md that ships with a model's weights, or an empty card."""
    readme = Path(directory) / "README.md"
    try:
        return readme.read_text(encoding="utf-8")
    except OSError:
        return ""
