"""Markdown to safe HTML: Python-Markdown + Pygments render, nh3 sanitizes with an allow-list.

Everything a member writes goes through `render_markdown`; templates print `body_html`
only. nh3 removes scripts, event handlers and every URL scheme that is not http(s) or
mailto (so no `javascript:`/`data:`), and sets `rel="nofollow ugc noopener"` on links.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
import nh3
from django.conf import settings
from markdown.inlinepatterns import InlineProcessor
from pygments.token import STANDARD_TYPES

MENTION_RE = r"(?<![\w@/.])@([a-z0-9][a-z0-9_-]{1,39})\b"
LINK_RE = re.compile(r"<a\s[^>]*href=", re.IGNORECASE)
IMG_RE = re.compile(r"<img\s", re.IGNORECASE)

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
    "div",
    "sup",
    "sub",
    "kbd",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "span": {"class"},
    "div": {"class"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
# Classes a member may produce: Pygments' token classes inside code, the highlight
# wrapper, a language hint and our own mention links. Nothing else, so no one can borrow
# the site's layout classes to dress a post up as part of the page.
PYGMENTS_CLASSES = {c for c in STANDARD_TYPES.values() if c}
ALLOWED_CLASSES = {"span": PYGMENTS_CLASSES, "div": {"highlight"}, "a": {"mention"}}
UNSAFE_SCHEME = re.compile(r"^(javascript|vbscript|livescript|data|file):", re.IGNORECASE)
LANGUAGE_CLASS = re.compile(r"^language-[\w+#-]{1,30}$")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        if tag == "code":
            kept = [c for c in value.split() if LANGUAGE_CLASS.match(c)]
        else:
            kept = [c for c in value.split() if c in ALLOWED_CLASSES.get(tag, set())]
        return " ".join(kept) or None
    if attribute in ("href", "src") and UNSAFE_SCHEME.match(re.sub(r"[\x00-\x20]+", "", value)):
        # Browsers drop whitespace and control characters inside a scheme; so do we, then refuse.
        return None
    if tag == "img" and attribute == "src":
        # Images come from our own uploads or over https (no mixed content, no data:).
        if value.startswith(settings.MEDIA_URL) or value.startswith("https://"):
            return value
        return None
    if attribute in ("width", "height", "start"):
        return value if value.isdigit() and len(value) <= 5 else None
    if attribute == "align":
        return value if value in ("left", "right", "center") else None
    return value


class MentionProcessor(InlineProcessor):
    """`@handle` becomes a link to the profile; handles are collected for notifications."""

    def __init__(self, pattern, md, known_handles):
        super().__init__(pattern, md)
        self.known_handles = known_handles

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's API)
        handle = m.group(1).lower()
        if self.known_handles is not None and handle not in self.known_handles:
            return None, None, None
        self.md.mentions.add(handle)
        el = etree.Element("a")
        el.set("href", f"/u/{handle}/")
        el.set("class", "mention")
        el.text = f"@{handle}"
        return el, m.start(0), m.end(0)


class MentionExtension(markdown.Extension):
    def __init__(self, known_handles=None, **kwargs):
        self.known_handles = known_handles
        super().__init__(**kwargs)

    def extendMarkdown(self, md):  # noqa: N802
        md.mentions = set()
        md.inlinePatterns.register(MentionProcessor(MENTION_RE, md, self.known_handles), "mention", 175)


@dataclass
class Rendered:
    html: str
    mentions: set[str] = field(default_factory=set)

    @property
    def link_count(self) -> int:
        return len(LINK_RE.findall(self.html))

    @property
    def image_count(self) -> int:
        return len(IMG_RE.findall(self.html))


def render_markdown(text: str, *, known_handles: set[str] | None = None) -> Rendered:
    """Render a member's Markdown to sanitized HTML and report the @handles it mentions.

    With ``known_handles`` only those handles become links (the caller looks them up);
    without it, every @handle-shaped word does.
    """
    md = markdown.Markdown(
        extensions=[
            "fenced_code",
            "codehilite",
            "tables",
            "sane_lists",
            "nl2br",
            "pymdownx.magiclink",  # bare URLs become links, as members expect
            MentionExtension(known_handles=known_handles),
        ],
        extension_configs={"codehilite": {"css_class": "highlight", "guess_lang": False, "wrapcode": True}},
        output_format="html",
    )
    raw_html = md.convert(text)
    clean = nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )
    return Rendered(html=clean, mentions=set(md.mentions))


def mentioned_handles(text: str) -> set[str]:
    """The @handles a text mentions, outside code (the same rules as rendering)."""
    return render_markdown(text).mentions
