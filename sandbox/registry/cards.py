"""Model cards: read from the weights' README, rendered from Markdown to safe HTML."""

from __future__ import annotations

import re
from pathlib import Path

import markdown
import nh3

FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.DOTALL)
ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}


def render_card(source: str) -> str:
    """The model card as sanitized HTML (YAML front matter dropped, code highlighted by Pygments)."""
    body = FRONT_MATTER.sub("", source or "", count=1)
    html = markdown.markdown(
        body,
        extensions=["fenced_code", "tables", "codehilite", "sane_lists"],
        extension_configs={"codehilite": {"css_class": "highlight", "guess_lang": False}},
    )
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https"})


def card_from_weights(directory: Path) -> str:
    """The README.md that ships with a model's weights, or an empty card."""
    readme = Path(directory) / "README.md"
    try:
        return readme.read_text(encoding="utf-8")
    except OSError:
        return ""
