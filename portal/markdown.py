"""The site's one Markdown renderer: Python-Markdown + pymdown-extensions + Pygments, then
nh3, with a named profile for each kind of author.

- ``DOCS``: our own pages (trusted, richer): heading anchors and a table of contents,
  admonitions, code tabs readable without JavaScript (radio inputs and labels),
  attribute lists. Still sanitized, so a slip in a page cannot run a script.
- ``MEMBER``: what members write (forum posts, bios): fenced code, tables, bare URLs as
  links, @mentions; only Pygments' token classes survive (no one can borrow the site's
  layout classes to dress a post up as part of the page); images from our uploads or
  https; links get ``rel="nofollow ugc noopener"``.
- ``THIRD_PARTY``: model cards (READMEs written elsewhere): as untrusted as a post,
  without mentions, YAML front matter dropped.

Every profile refuses scripts, styles, event handlers, comments and any URL scheme but
http(s) and mailto, whitespace and control characters inside a scheme included.
"""

from __future__ import annotations

import html as html_lib
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field

import markdown
import markdown.inlinepatterns
import nh3
from pygments.token import STANDARD_TYPES

MENTION_RE = r"(?<![\w@/.])@([a-z0-9][a-z0-9_-]{1,39})\b"
LINK_RE = re.compile(r"<a\s[^>]*href=", re.IGNORECASE)
# How a sanitized body links a mention (nh3 writes the attributes in this order).
MENTION_LINK = re.compile(r'<a class="mention" href="/u/([a-z0-9_-]+)/"')
IMG_RE = re.compile(r"<img\s", re.IGNORECASE)
FRONT_MATTER = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.DOTALL)
UNSAFE_SCHEME = re.compile(r"^(javascript|vbscript|livescript|data|file):", re.IGNORECASE)
LANGUAGE_CLASS = re.compile(r"^language-[\w+#-]{1,30}$")
PYGMENTS_CLASSES = frozenset(c for c in STANDARD_TYPES.values() if c)
UNTRUSTED_REL = "nofollow ugc noopener"
BLOCK_END = re.compile(
    r"</(?:p|div|li|td|th|tr|h[1-6]|pre|blockquote|dt|dd|label|summary|table|ul|ol|details)\s*>|<(?:br|hr|input)\b[^>]*>",
    re.IGNORECASE,
)

_BASE_TAGS = frozenset(
    {
        "a", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img",
        "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th",
        "thead", "tr", "ul", "b", "i",
    }
)  # fmt: skip
_UNTRUSTED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "span": {"class"},
    "div": {"class"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}


@dataclass(frozen=True)
class Profile:
    """How one kind of author's Markdown is rendered and what survives sanitizing."""

    name: str
    extensions: tuple
    extension_configs: dict
    tags: frozenset
    attributes: dict
    # Per tag, the classes that survive; None keeps any class (trusted pages only).
    classes: dict | None = None
    link_rel: str | None = UNTRUSTED_REL
    # Where images may come from: a test on the src, or None for anywhere http(s).
    image_source: Callable[[str], bool] | None = None
    style_properties: frozenset | None = None
    mentions: bool = False
    drop_front_matter: bool = False


def _our_uploads_or_https(src: str) -> bool:
    from django.conf import settings

    return src.startswith(settings.MEDIA_URL) or src.startswith("https://")


def _https(src: str) -> bool:
    return src.startswith("https://")


_UNTRUSTED_CLASSES = {"span": PYGMENTS_CLASSES, "div": {"highlight"}, "a": {"mention"}}
_CODEHILITE = {"codehilite": {"css_class": "highlight", "guess_lang": False, "wrapcode": True}}

DOCS = Profile(
    name="docs",
    extensions=(
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
    ),
    extension_configs={
        "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2-3"},
        "pymdownx.tabbed": {"alternate_style": True},
        "pymdownx.highlight": {"css_class": "highlight", "use_pygments": True, "guess_lang": False},
    },
    tags=_BASE_TAGS | {"abbr", "dd", "details", "dl", "dt", "input", "label", "summary"},
    attributes={
        "*": {"class", "id", "title"},
        "a": {"href"},
        "img": {"src", "alt", "width", "height"},
        "input": {"type", "name", "checked"},
        "label": {"for"},
        "div": {"data-tabs"},
        "th": {"align", "style"},
        "td": {"align", "style"},
        "details": {"open"},
    },
    link_rel=None,
    # Tables from Markdown set only `text-align`; nothing else survives.
    style_properties=frozenset({"text-align"}),
)
MEMBER = Profile(
    name="member",
    extensions=("fenced_code", "codehilite", "tables", "sane_lists", "nl2br", "pymdownx.magiclink"),
    extension_configs=_CODEHILITE,
    tags=_BASE_TAGS,
    attributes=_UNTRUSTED_ATTRIBUTES,
    classes=_UNTRUSTED_CLASSES,
    image_source=_our_uploads_or_https,
    mentions=True,
)
THIRD_PARTY = Profile(
    name="third-party",
    extensions=("fenced_code", "codehilite", "tables", "sane_lists"),
    extension_configs=_CODEHILITE,
    tags=_BASE_TAGS,
    attributes=_UNTRUSTED_ATTRIBUTES,
    classes=_UNTRUSTED_CLASSES,
    image_source=_https,
    drop_front_matter=True,
)


@dataclass
class Rendered:
    html: str
    toc: list[dict] = field(default_factory=list)
    mentions: set[str] = field(default_factory=set)

    @property
    def link_count(self) -> int:
        return len(LINK_RE.findall(self.html))

    @property
    def image_count(self) -> int:
        return len(IMG_RE.findall(self.html))


def render_markdown(
    source: str,
    *,
    profile: Profile,
    known_handles: set[str] | None = None,
    permalink_title: str | None = None,
) -> Rendered:
    """Render `source` with `profile` to sanitized HTML, its table of contents (docs) and
    the @handles it mentions (members; with `known_handles` only those become links)."""
    source = source or ""
    if profile.drop_front_matter:
        source = FRONT_MATTER.sub("", source, count=1)
    extensions = list(profile.extensions)
    configs = dict(profile.extension_configs)
    if permalink_title is not None and "toc" in configs:
        configs["toc"] = {**configs["toc"], "permalink_title": permalink_title}
    if profile.mentions:
        extensions.append(_MentionExtension(known_handles=known_handles))
    md = markdown.Markdown(extensions=extensions, extension_configs=configs, output_format="html")
    raw = md.convert(source)
    mentions = set(getattr(md, "mentions", ()))
    html = _sanitize(raw, profile)
    if profile.mentions:
        html = _unforged_mentions(html, mentions)
    return Rendered(html=html, toc=_flatten_toc(getattr(md, "toc_tokens", [])), mentions=mentions)


def _unforged_mentions(html: str, mentions: set[str]) -> str:
    """Only the mention extension makes mention links: an author's own
    ``<a class="mention" href="/u/x/">`` (x not mentioned) keeps its link, not the class."""
    return MENTION_LINK.sub(lambda m: m[0] if m[1] in mentions else '<a href="/u/' + m[1] + '/"', html)


def to_text(html: str) -> str:
    """The words of rendered HTML, for search indexes and excerpts."""
    # A space after each block keeps words of adjacent elements (tab labels, cells) apart;
    # inline elements (links, code tokens) join their neighbours as the reader sees them.
    text = html_lib.unescape(nh3.clean(BLOCK_END.sub(r"\g<0> ", html), tags=set()))
    return re.sub(r"\s+", " ", text).strip()


def _sanitize(html: str, profile: Profile) -> str:
    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "class" and profile.classes is not None:
            if tag == "code":
                kept = [c for c in value.split() if LANGUAGE_CLASS.match(c)]
            else:
                kept = [c for c in value.split() if c in profile.classes.get(tag, ())]
            return " ".join(kept) or None
        if attribute in ("href", "src") and UNSAFE_SCHEME.match(re.sub(r"[\x00-\x20]+", "", value)):
            # Browsers drop whitespace and control characters inside a scheme; so do we, then refuse.
            return None
        if tag == "img" and attribute == "src" and profile.image_source is not None:
            return value if profile.image_source(value) else None
        if attribute in ("width", "height", "start"):
            return value if value.isdigit() and len(value) <= 5 else None
        if attribute == "align":
            return value if value in ("left", "right", "center") else None
        return value

    return nh3.clean(
        html,
        tags=set(profile.tags),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in profile.attributes.items()},
        attribute_filter=attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel=profile.link_rel,
        strip_comments=True,
        filter_style_properties=set(profile.style_properties) if profile.style_properties else None,
    )


def _flatten_toc(tokens: list[dict]) -> list[dict]:
    """The h2/h3 entries of a page (the h1 is the page title, not a TOC entry)."""
    entries = []
    for token in tokens:
        if token["level"] in (2, 3):
            entries.append({"id": token["id"], "name": token["name"], "level": token["level"]})
        entries.extend(_flatten_toc(token.get("children", [])))
    return entries


class _MentionProcessor(markdown.inlinepatterns.InlineProcessor):
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


class _MentionExtension(markdown.Extension):
    def __init__(self, known_handles=None, **kwargs):
        self.known_handles = known_handles
        super().__init__(**kwargs)

    def extendMarkdown(self, md):  # noqa: N802
        md.mentions = set()
        md.inlinePatterns.register(_MentionProcessor(MENTION_RE, md, self.known_handles), "mention", 175)
