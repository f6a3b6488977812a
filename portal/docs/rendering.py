"""Markdown to safe HTML: Python-Markdown + pymdown-extensions + Pygments, then nh3.

Everything the docs need comes from those libraries: heading anchors and the table of
contents (``toc``), code tabs readable without JavaScript (``pymdownx.tabbed``, radio
inputs and labels), fenced code with attributes (``pymdownx.superfences``) and Pygments
highlighting with CSS classes (``pymdownx.highlight``). The HTML is then sanitized with
nh3, so a page (or a comment rendered with the same function) cannot inject scripts,
event handlers or styles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import markdown
import nh3

EXTENSIONS = [
    "toc",
    "tables",
    "attr_list",
    "admonition",
    "def_list",
    "pymdownx.superfences",
    "pymdownx.highlight",
    "pymdownx.inlinehilite",
    "pymdownx.tabbed",
    "pymdownx.details",
]

EXTENSION_CONFIGS = {
    "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2-3"},
    "pymdownx.tabbed": {"alternate_style": True},
    "pymdownx.highlight": {"css_class": "highlight", "use_pygments": True, "guess_lang": False},
}

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "input",
    "kbd",
    "label",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "summary",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "input": {"type", "name", "checked"},
    "label": {"for"},
    "div": {"data-tabs"},
    "th": {"align", "style"},
    "td": {"align", "style"},
    "details": {"open"},
}


@dataclass
class RenderedMarkdown:
    html: str
    toc: list[dict] = field(default_factory=list)


def _sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        # Tables from Markdown set only `text-align`; nothing else survives.
        filter_style_properties={"text-align"},
    )


def _flatten_toc(tokens: list[dict]) -> list[dict]:
    """The h2/h3 entries of the page (the h1 is the page title, not a TOC entry)."""
    entries = []
    for token in tokens:
        if token["level"] in (2, 3):
            entries.append({"id": token["id"], "name": token["name"], "level": token["level"]})
        entries.extend(_flatten_toc(token.get("children", [])))
    return entries


def render_markdown(source: str, *, permalink_title: str = "Link to this section") -> RenderedMarkdown:
    """Render trusted-or-not Markdown to sanitized HTML with its table of contents."""
    configs = {**EXTENSION_CONFIGS, "toc": {**EXTENSION_CONFIGS["toc"], "permalink_title": permalink_title}}
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=configs)
    html = md.convert(source)
    return RenderedMarkdown(html=_sanitize(html), toc=_flatten_toc(md.toc_tokens))
