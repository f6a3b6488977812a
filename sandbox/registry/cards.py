"""Model cards: read from the weights' README, rendered from Markdown to safe HTML."""

from __future__ import annotations

from pathlib import Path

from portal.markdown import THIRD_PARTY, render_markdown


def render_card(source: str) -> str:
    """The model card (a README written elsewhere) as sanitized HTML: no front matter, code
    highlighted, links nofollow ugc noopener, no classes but Pygments' own."""
    return render_markdown(source, profile=THIRD_PARTY).html


def card_from_weights(directory: Path) -> str:
    """The README.md that ships with a model's weights, or an empty card."""
    readme = Path(directory) / "README.md"
    try:
        return readme.read_text(encoding="utf-8")
    except OSError:
        return ""
