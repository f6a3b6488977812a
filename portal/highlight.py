"""Search-result excerpts with the query's words marked, for the docs and forum searches.

A query word matches whole words only: "rate" marks "rate", "rates" and "rated", never
the "rate" inside "generate" (PostgreSQL's ``ts_headline`` marks whole lexemes; the
substring search under SQLite and the excerpts of semantic hits must agree with it).
Chinese has no spaces between words, so a Chinese term matches wherever it occurs.

Everything returned is escaped text in which only ``<mark>`` tags are markup.
"""

from __future__ import annotations

import html
import re

from django.utils.safestring import SafeString, mark_safe

# Sentinels that stand for <mark> and </mark> in text until it is escaped (private-use
# characters; they are dropped from the text itself first, so content cannot place one).
START, STOP = "\ue000", "\ue001"
WORD = re.compile(r"\w+", re.U)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# Endings a word may add to a query word and still be "the same word" ("limit", "limits",
# "limited", "limiting"), a light stand-in for the stemming PostgreSQL does.
ENDINGS = r"(?:s|es|d|ed|er|ers|ing)?"
# Letters and digits, not "_": "api" matches inside "invalid_api_key", as PostgreSQL's parser splits it.
NOT_ALNUM_BEFORE, NOT_ALNUM_AFTER = r"(?<![^\W_])", r"(?![^\W_])"


def query_terms(query: str) -> list[str]:
    """The query's words, lower-cased, each once; Chinese runs as character pairs."""
    terms = [w.lower() for w in WORD.findall(query) if not CJK.fullmatch(w)]
    for run in CJK.findall(query):
        # Chinese has no spaces: search its character pairs (and single characters).
        terms.extend([run] if len(run) < 2 else [run[i : i + 2] for i in range(len(run) - 1)])
    return list(dict.fromkeys(t for t in terms if t))


def _stem(term: str) -> str:
    """``term`` without an ending (see ENDINGS) when enough of it is left to stay specific."""
    for ending, keep in (("ing", 4), ("s", 3)):
        if term.endswith(ending) and not term.endswith("ss") and len(term) - len(ending) >= keep:
            return term[: -len(ending)]
    return term


def term_pattern(terms: list[str]) -> re.Pattern | None:
    """One regex matching any of ``terms`` as a whole word (Chinese terms anywhere)."""
    alternatives = []
    for term in sorted(set(terms), key=len, reverse=True):
        if CJK.search(term):
            alternatives.append(re.escape(term))
        elif term:
            alternatives.append(f"{NOT_ALNUM_BEFORE}{re.escape(_stem(term))}{ENDINGS}{NOT_ALNUM_AFTER}")
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def term_patterns(terms: list[str]) -> dict[str, re.Pattern]:
    """A whole-word pattern per term (for counting which of a query's words a text holds)."""
    return {term: pattern for term in terms if (pattern := term_pattern([term])) is not None}


def clean(text: str) -> str:
    """``text`` without the sentinel characters (call before marking up a member's text)."""
    return text.replace(START, "").replace(STOP, "")


def marked(text: str, *, start: str = START, stop: str = STOP) -> SafeString:
    """Escape ``text`` and turn its start/stop sentinels into <mark> tags."""
    escaped = html.escape(text).replace(start, "<mark>").replace(stop, "</mark>")
    return mark_safe(escaped)  # noqa: S308 - escaped above; only our <mark> tags are added


def excerpt(text: str, terms: list[str], *, width: int = 160) -> SafeString:
    """About ``width`` characters of ``text`` around the first match, matches marked."""
    text = clean(text)
    pattern = term_pattern(terms)
    first = pattern.search(text) if pattern else None
    start = max(first.start() - width // 3, 0) if first else 0
    if start:
        # Start at a word: the excerpt should not open with half of one.
        space = text.find(" ", start, first.start())
        start = space + 1 if space >= 0 else start
    end = min(start + width, len(text))
    if end < len(text):
        space = text.rfind(" ", start + width // 2, end)
        end = space if space >= 0 else end
        if first and end < first.end():
            end = first.end()
    fragment = text[start:end]
    if pattern:
        fragment = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", fragment)
    return marked(("… " if start else "") + fragment + (" …" if end < len(text) else ""))
