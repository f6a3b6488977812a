"""Forum search: PostgreSQL full-text (weighted title and posts, headlines), a plain
substring search elsewhere, and similar threads for the new-thread form."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.expressions import RawSQL

from portal.highlight import START, STOP, excerpt, marked, term_pattern

from ..models import (
    Thread,
)

# --- Search ---------------------------------------------------------------------------------------


@dataclass
class SearchHit:
    thread: Thread
    snippet: str  # safe HTML: escaped text with <mark> around the matches
    rank: float

    @property
    def url(self) -> str:
        return self.thread.get_absolute_url()

    @property
    def title(self) -> str:
        return self.thread.title


# ts_headline marks matches with private-use characters (dropped from what members write
# when it is indexed, and escaped text cannot contain HTML), which become <mark> after
# escaping. The text searched is what readers see, not Markdown (services.search_text_of).
MARK_START, MARK_STOP = START, STOP
HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=' … '"
)


def _tsquery_sql():
    return "websearch_to_tsquery('english', %s)"


def thread_search(*, query: str, limit: int = 10) -> list[SearchHit]:
    """Ranked visible threads matching the query, each with a highlighted snippet.

    PostgreSQL: a generated tsvector (title A, posts B), ranked with ts_rank_cd and solved
    threads first among equals, snippets from ts_headline. SQLite: every word must appear
    in the title or text; titles rank above bodies.
    """
    query = " ".join((query or "").split())[:200]
    if not query:
        return []
    base = Thread.objects.visible().select_related("category")
    if connection.vendor == "postgresql":
        # The query text always travels as a bound parameter; only constant SQL is formatted in.
        tsq = _tsquery_sql()
        rank = RawSQL(  # noqa: S611
            f"ts_rank_cd(forums_thread.search_vector, {tsq}, 32)", (query,)
        )
        qs = (
            base.extra(where=[f"forums_thread.search_vector @@ {tsq}"], params=[query])  # noqa: S610
            .annotate(rank=rank)
            .annotate(
                snippet=RawSQL(  # noqa: S611
                    f"ts_headline('english', left(forums_thread.search_text, 20000), {tsq}, %s)",
                    (query, HEADLINE_OPTIONS),
                )
            )
            .defer("search_text")
            .order_by("-rank", "-score", "-last_activity_at")[:limit]
        )
        return [SearchHit(thread=t, snippet=_mark(t.snippet), rank=float(t.rank)) for t in qs]
    words = [w for w in re.split(r"\W+", query) if w][:8]
    if not words:
        return []
    qs = base
    for word in words:
        qs = qs.filter(Q(title__icontains=word) | Q(search_text__icontains=word))
    title_hits = sum(
        (Case(When(title__icontains=w, then=Value(2)), default=Value(0), output_field=IntegerField()) for w in words),
        Value(0),
    )
    qs = qs.annotate(rank=title_hits).order_by("-rank", "-score", "-last_activity_at")
    # The database matched substrings; keep threads holding each word as a whole word (as
    # PostgreSQL does: "rate" does not find "generate").
    patterns = [term_pattern([w]) for w in words]
    hits = []
    for thread in qs[: limit * 5]:
        if all(p.search(thread.title) or p.search(thread.search_text) for p in patterns):
            snippet = excerpt(thread.search_text, words)
            hits.append(SearchHit(thread=thread, snippet=snippet, rank=float(thread.rank)))
    return hits[:limit]


def _mark(headline: str) -> str:
    return marked(headline, start=MARK_START, stop=MARK_STOP)


def similar_threads(*, title: str, limit: int = 5) -> list[SearchHit]:
    """Threads like a title being typed: any of its meaningful words (OR), best first."""
    words = [w for w in re.split(r"\W+", title or "") if len(w) > 2][:12]
    if not words:
        return []
    return thread_search(query=" or ".join(words) if connection.vendor == "postgresql" else words[0], limit=limit)
