"""Reads of the docs app: search over the docs (full-text + semantic), feedback stats."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, F, IntegerField, Value, When
from django.utils.safestring import SafeString

from portal.highlight import excerpt, marked, query_terms, term_patterns

from .embeddings import EmbeddingUnavailable, cosine, embed_query
from .models import DocSection
from .services import SEARCH_CONFIGS

logger = logging.getLogger(__name__)

# Reciprocal rank fusion constant (Cormack et al.): damps the weight of top ranks.
RRF_K = 60
# What ts_headline puts around a match (docs are our own text: they hold neither).
START, STOP = "\x02", "\x03"
SEMANTIC_DOWN_KEY = "docs:semantic-down"
SEMANTIC_RETRY_SECONDS = 30


def api_key_latest_for_user(*, user):
    """The reader's newest usable API key (for the examples' key hint), or None."""
    from portal.apikeys.selectors import api_key_latest_for_user as latest

    return latest(user=user)


def page_edit_url(*, page) -> str:
    """Where "Edit this page" points: the file in the repository, or its source here."""
    from django.conf import settings
    from django.urls import reverse

    base = getattr(settings, "DOCS_EDIT_BASE_URL", "")
    if base:
        return base.rstrip("/") + "/" + page.repo_path
    return reverse("docs:page_source", kwargs={"slug": page.slug})


@dataclass
class SearchHit:
    page_slug: str
    page_title: str
    heading: str
    anchor: str
    snippet: SafeString
    score: float = 0.0
    matched_by: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        from django.urls import reverse

        url = reverse("docs:page", kwargs={"slug": self.page_slug})
        return f"{url}#{self.anchor}" if self.anchor else url


@dataclass
class SearchResults:
    query: str
    hits: list[SearchHit]
    semantic: bool  # whether semantic ranking took part
    threads: list = field(default_factory=list)


def _marked(text: str) -> SafeString:
    """Escape a ts_headline and turn its START/STOP sentinels into <mark> tags."""
    return marked(text, start=START, stop=STOP)


def _terms(query: str) -> list[str]:
    return query_terms(query)


def _tsquery_terms(query: str) -> list[str]:
    """Raw tsquery operands: plain words, and identifiers like ``invalid_api_key`` as phrases."""
    operands = []
    for word in _terms(query):
        parts = [p for p in re.split(r"[\W_]+", word) if p]
        if parts:
            operands.append(" <-> ".join(parts) if len(parts) > 1 else parts[0])
    return operands


def _covers_enough(coverage: int, best: int) -> bool:
    """Keep sections matching at least half as many query words as the best one: with OR
    semantics a long question otherwise pulls in every page that says "get"."""
    return coverage * 2 >= best


def _fulltext_postgres(query: str, language: str, config: str, limit: int) -> list[SearchHit]:
    operands = _tsquery_terms(query)
    if not operands:
        return []
    # Any word may match (OR): a question phrased in full ("how do I stop getting 429s")
    # must still find the section that answers it. Sections are ranked first by how many
    # of the query's words they contain, then by ts_rank (where and how densely).
    tsquery = SearchQuery(" | ".join(f"({o})" for o in operands), search_type="raw", config=config)
    coverage = sum(
        (
            Case(
                When(search_vector=SearchQuery(o, search_type="raw", config=config), then=1),
                default=0,
                output_field=IntegerField(),
            )
            for o in operands
        ),
        Value(0),
    )
    rows = (
        DocSection.objects.filter(language=language, search_vector=tsquery)
        .annotate(
            coverage=coverage,
            rank=SearchRank(F("search_vector"), tsquery, normalization=1),
            headline=SearchHeadline(
                "body",
                tsquery,
                config=config,
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-coverage", "-rank", "page_slug", "position")[:limit]
    )
    rows = list(rows)
    best = max((r.coverage for r in rows), default=0)
    return [
        SearchHit(r.page_slug, r.page_title, r.heading, r.anchor, _marked(r.headline), r.coverage + r.rank, {"text"})
        for r in rows
        if _covers_enough(r.coverage, best)
    ]


def _snippet(body: str, terms: list[str], width: int = 160) -> SafeString:
    return excerpt(body, terms, width=width)


def _fulltext_fallback(query: str, language: str, limit: int) -> list[SearchHit]:
    """Whole-word scoring in Python: SQLite, and languages PostgreSQL cannot stem.

    Coverage of the query's words counts most, then where (title, heading) and how often
    (capped) they occur. Words match whole, as PostgreSQL matches them ("rate" is not
    found in "generate"); Chinese terms match anywhere.
    """
    patterns = term_patterns(_terms(query))
    if not patterns:
        return []
    scored = []
    for s in DocSection.objects.filter(language=language).only("page_slug", "page_title", "heading", "anchor", "body"):
        found = [
            (bool(p.search(s.page_title)), bool(p.search(s.heading)), len(p.findall(s.body))) for p in patterns.values()
        ]
        matched = sum(1 for in_title, in_heading, count in found if in_title or in_heading or count)
        if matched:
            weight = sum(3 * in_title + 2 * in_heading + min(count, 5) for in_title, in_heading, count in found)
            scored.append((matched, weight, s))
    scored.sort(key=lambda item: (-item[0], -item[1]))
    best = scored[0][0] if scored else 0
    terms = list(patterns)
    return [
        SearchHit(
            s.page_slug, s.page_title, s.heading, s.anchor, _snippet(s.body, terms), matched * 100 + weight, {"text"}
        )
        for matched, weight, s in scored
        if _covers_enough(matched, best)
    ][:limit]


def _semantic(query: str, languages: list[str], limit: int, timeout: float) -> list[SearchHit] | None:
    sections = list(DocSection.objects.filter(language__in=languages, embedding__isnull=False))
    if not sections:
        return None
    if cache.get(SEMANTIC_DOWN_KEY):
        return None
    try:
        vector = embed_query(query, timeout=timeout)
    except EmbeddingUnavailable as exc:
        # Don't make every search wait for a worker that just failed to answer.
        cache.set(SEMANTIC_DOWN_KEY, True, SEMANTIC_RETRY_SECONDS)
        logger.info("docs search without semantic ranking: %s", exc)
        return None
    ranked = sorted(sections, key=lambda s: -cosine(vector, s.embedding))[:limit]
    terms = _terms(query)
    return [
        SearchHit(
            s.page_slug,
            s.page_title,
            s.heading,
            s.anchor,
            _snippet(s.body, terms),
            cosine(vector, s.embedding),
            {"semantic"},
        )
        for s in ranked
    ]


def _fuse(*rankings: list[SearchHit], limit: int) -> list[SearchHit]:
    """Reciprocal rank fusion of section rankings, keeping each page's best section."""
    by_section: dict[tuple[str, str], SearchHit] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            key = (hit.page_slug, hit.anchor)
            fused = by_section.setdefault(
                key, SearchHit(hit.page_slug, hit.page_title, hit.heading, hit.anchor, hit.snippet, 0.0, set())
            )
            fused.score += 1 / (RRF_K + rank)
            fused.matched_by |= hit.matched_by
            if "text" in hit.matched_by:
                fused.snippet = hit.snippet  # the highlighted full-text snippet reads best
    best_per_page: dict[str, SearchHit] = {}
    for hit in sorted(by_section.values(), key=lambda h: -h.score):
        best_per_page.setdefault(hit.page_slug, hit)
    return list(best_per_page.values())[:limit]


def _forum_threads(query: str, limit: int) -> list:
    try:
        from community.forums.selectors import thread_search
    except ImportError:
        return []
    return list(thread_search(query=query, limit=limit))


def search_languages(language: str) -> list[str]:
    """Index languages to search for a reader of ``language``: theirs, then English."""
    from .pages import DEFAULT_LANGUAGE, languages_with_content

    own = language.lower().replace("_", "-")
    return list(dict.fromkeys([own, DEFAULT_LANGUAGE] if own in languages_with_content() else [DEFAULT_LANGUAGE]))


def doc_search(
    *,
    query: str,
    languages: list[str],
    limit: int = 10,
    semantic_timeout: float = 1.5,
    include_threads: bool = True,
) -> SearchResults:
    """Docs sections ranked for ``query``: full-text and (when a worker answers) semantic.

    Semantic ranking needs an inference worker to embed the query within
    ``semantic_timeout`` seconds; without one the results are full-text only.
    """
    query = query.strip()[:300]
    if not query:
        return SearchResults(query="", hits=[], semantic=False)
    pool = limit * 3
    rankings = []
    for language in languages:
        config = SEARCH_CONFIGS.get(language)
        if connection.vendor == "postgresql" and config:
            rankings.append(_fulltext_postgres(query, language, config, pool))
        else:
            rankings.append(_fulltext_fallback(query, language, pool))
    semantic_hits = _semantic(query, languages, pool, semantic_timeout) if semantic_timeout > 0 else None
    hits = _fuse(*rankings, semantic_hits or [], limit=limit)
    threads = _forum_threads(query, 5) if include_threads else []
    return SearchResults(query=query, hits=hits, semantic=semantic_hits is not None, threads=threads)


# --- Staff dashboards --------------------------------------------------------------------------------


def reading_weeks(*, since) -> set:
    """(user id, Monday) of each week in which a signed-in member read the docs (retention)."""
    from portal.aggregates import active_weeks

    from .models import PageView

    return active_weeks(PageView.objects.exclude(user=None), "user_id", "created_at", since=since)


def docs_engagement(*, start) -> dict:
    """Views, top pages and "was this helpful?" answers since `start`."""
    from django.db.models import Count, Q

    from .models import PageFeedback, PageView

    views = PageView.objects.filter(created_at__gte=start)
    feedback = PageFeedback.objects.filter(created_at__gte=start).aggregate(
        answers=Count("id"), helpful=Count("id", filter=Q(helpful=True))
    )
    return {
        "views": views.count(),
        "top_pages": list(views.values("page_slug").annotate(views=Count("id")).order_by("-views")[:8]),
        "feedback_answers": feedback["answers"],
        "helpful_percent": round(100 * feedback["helpful"] / feedback["answers"], 1) if feedback["answers"] else None,
    }
