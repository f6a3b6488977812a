"""The docs pages: Markdown files in ``portal/docs/content/<language>/<slug>.md``.

Each file starts with a YAML front matter block (``title``, ``description``) and is
written with two placeholders that are filled per reader: ``{{ base_url }}`` (the /v1
URL of this site) and ``{{ api_key_hint }}`` (the placeholder a reader replaces with their
key; a key created on the page fills it in the browser). Code blocks carrying the
``.runnable`` class (```` ```python {.runnable} ````) are executed by the test suite
against a running Atrium.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from portal.docs.live import live_fill
from portal.markdown import DOCS, Rendered, render_markdown
from portal.shipped import shipped_register, shipped_translate

CONTENT_DIR = Path(__file__).resolve().parent / "content"
DEFAULT_LANGUAGE = "en"

# The left navigation, in reading order; prev/next follow it.
NAVIGATION = [
    (_("Start here"), ["getting-started", "authentication"]),
    (_("Using the API"), ["models", "chat-completions", "completions", "embeddings", "fine-tuning"]),
    (_("Going to production"), ["rate-limits", "errors", "security"]),
    (_("Community"), ["credits", "rewards", "community-guidelines", "changelog"]),
]
PAGE_ORDER = [slug for _section, slugs in NAVIGATION for slug in slugs]
# Titles of the pages that are English only (shown in English, which the page says): the
# navigation, the pager and the <title> still read in the reader's language.
ENGLISH_ONLY_TITLES = [gettext_noop("Changelog"), gettext_noop("Security")]
shipped_register(*ENGLISH_ONLY_TITLES)

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
RUNNABLE_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]+)[ \t]*\{(?P<attrs>[^}\n]*\.runnable[^}\n]*)\}[ \t]*\n"
    r"(?P<code>.*?)\n(?P=indent)```[ \t]*$",
    re.S | re.M,
)


class DocPageNotFound(LookupError):
    pass


@dataclass(frozen=True)
class DocPage:
    slug: str
    language: str  # the language of the file served
    requested_language: str
    title: str
    description: str
    source: str  # Markdown body without the front matter
    path: Path

    @property
    def is_translation_missing(self) -> bool:
        return self.language != self.requested_language

    @property
    def repo_path(self) -> str:
        return self.path.relative_to(settings.BASE_DIR).as_posix()

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.source.encode()).hexdigest()


@dataclass(frozen=True)
class RunnableExample:
    page_slug: str
    language: str  # bash, python, javascript
    code: str
    line: int


def _language_dir(language: str) -> str:
    return language.lower().replace("_", "-")


def _parse(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    return yaml.safe_load(match.group(1)) or {}, text[match.end() :]


@lru_cache(maxsize=512)
def _load(path: Path, mtime: float) -> tuple[dict, str]:
    return _parse(path)


def page_get(slug: str, language: str = DEFAULT_LANGUAGE) -> DocPage:
    """The page in ``language``, or its English original when not translated yet."""
    if slug not in PAGE_ORDER:
        raise DocPageNotFound(slug)
    requested = _language_dir(language)
    for candidate in dict.fromkeys([requested, DEFAULT_LANGUAGE]):
        path = CONTENT_DIR / candidate / f"{slug}.md"
        if path.exists():
            meta, body = _load(path, path.stat().st_mtime)
            title = meta.get("title", slug)
            if candidate != requested:
                with translation.override(requested):
                    title = shipped_translate(title)
            return DocPage(
                slug=slug,
                language=candidate,
                requested_language=requested,
                title=title,
                description=meta.get("description", ""),
                source=body,
                path=path,
            )
    raise DocPageNotFound(slug)


def pages_all(language: str = DEFAULT_LANGUAGE) -> list[DocPage]:
    return [page_get(slug, language) for slug in PAGE_ORDER]


def languages_with_content() -> list[str]:
    return sorted(p.name for p in CONTENT_DIR.iterdir() if p.is_dir())


def navigation(language: str = DEFAULT_LANGUAGE) -> list[dict]:
    """Sections of the left navigation with each page's title in ``language``."""
    return [
        {"title": title, "pages": [{"slug": s, "title": page_get(s, language).title} for s in slugs]}
        for title, slugs in NAVIGATION
    ]


def neighbours(slug: str) -> tuple[str | None, str | None]:
    """The slugs before and after ``slug`` in reading order."""
    index = PAGE_ORDER.index(slug)
    previous = PAGE_ORDER[index - 1] if index > 0 else None
    following = PAGE_ORDER[index + 1] if index + 1 < len(PAGE_ORDER) else None
    return previous, following


def personalize(source: str, *, base_url: str, api_key_hint: str) -> str:
    return source.replace("{{ base_url }}", base_url).replace("{{ api_key_hint }}", api_key_hint)


@lru_cache(maxsize=256)
def _render_cached(source: str, language: str) -> Rendered:
    with translation.override(language):
        return render_markdown(source, profile=DOCS, permalink_title=str(_("Link to this section")))


def page_source(page: DocPage, *, base_url: str, api_key_hint: str) -> str:
    """The page's Markdown as a reader gets it: personalized, and its live values
    (``portal/docs/live.py``: the points rules, trust levels, ...) filled in its language."""
    source = personalize(page.source, base_url=base_url, api_key_hint=api_key_hint)
    with translation.override(page.language):
        return live_fill(source)


def page_render(page: DocPage, *, base_url: str, api_key_hint: str) -> Rendered:
    """The page's HTML and TOC with the reader's base URL and key hint filled in."""
    return _render_cached(page_source(page, base_url=base_url, api_key_hint=api_key_hint), page.language)


def runnable_examples(page: DocPage, *, base_url: str, api_key_hint: str = "") -> list[RunnableExample]:
    """The code blocks of ``page`` marked ``.runnable``, personalized, dedented (no live
    values: the suite collects them before any database is there)."""
    source = personalize(page.source, base_url=base_url, api_key_hint=api_key_hint)
    return [
        RunnableExample(
            page_slug=page.slug,
            language=match.group("lang"),
            code=textwrap.dedent(match.group("code")).strip() + "\n",
            line=source.count("\n", 0, match.start()) + 1,
        )
        for match in RUNNABLE_FENCE.finditer(source)
    ]
