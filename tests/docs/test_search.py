"""Docs search: full-text ranking on PostgreSQL, the substring fallback, highlighting,
Chinese, and degrading to full-text when no inference worker answers."""

import pytest
from django.urls import reverse

from portal.docs import selectors, services
from portal.docs.models import DocSection

pytestmark = pytest.mark.django_db

KNOWN_QUERIES = [
    ("how do I stop getting 429s", "rate-limits"),
    ("too many requests", "rate-limits"),
    ("revoke a key", "authentication"),
    ("loss chart", "fine-tuning"),
    ("hyperparameters epochs", "fine-tuning"),
    ("cosine similarity of vectors", "embeddings"),
    ("stream tokens server-sent events", "chat-completions"),
    ("invalid_api_key", "errors"),
    ("free monthly credits", "credits"),
]


@pytest.fixture
def index(db):
    services.doc_sections_ensure()


def top_pages(query, languages=("en",), **kwargs):
    results = selectors.doc_search(
        query=query, languages=list(languages), semantic_timeout=0, include_threads=False, **kwargs
    )
    return [hit.page_slug for hit in results.hits]


@pytest.mark.parametrize(("query", "expected"), KNOWN_QUERIES)
def test_known_queries_rank_the_right_page_in_the_top_two(index, query, expected):
    """Full-text (PostgreSQL) search puts the page that answers a known question near the top."""
    assert expected in top_pages(query)[:2], top_pages(query)


def test_429_question_finds_the_rate_limits_section_first(index):
    hit = selectors.doc_search(query="how do I stop getting 429s", languages=["en"], semantic_timeout=0).hits[0]
    assert (hit.page_slug, hit.anchor) == ("rate-limits", "how-to-stop-getting-429s")
    assert hit.url == "/docs/rate-limits/#how-to-stop-getting-429s"


@pytest.mark.parametrize(("query", "expected"), KNOWN_QUERIES)
def test_fallback_ranking_finds_the_same_pages(index, query, expected):
    """The substring scorer used under SQLite ranks the same known queries well."""
    hits = selectors._fulltext_fallback(query, "en", 30)
    pages = list(dict.fromkeys(h.page_slug for h in hits))
    assert expected in pages[:2], pages


def test_snippets_highlight_terms_and_escape_html(index):
    DocSection.objects.filter(page_slug="errors").update(body="Beware <script>alert(1)</script> quotas")
    for hits in (
        selectors.doc_search(query="loss chart", languages=["en"], semantic_timeout=0).hits,
        selectors._fulltext_fallback("beware quotas", "en", 5),
    ):
        snippet = str(hits[0].snippet)
        assert "<mark>" in snippet
        assert "<script>" not in snippet


def _only_section(body):
    """Leave one English section, with ``body``, indexed as the sync indexes it."""
    from django.contrib.postgres.search import SearchVector

    keep = DocSection.objects.filter(language="en", page_slug="errors").first()
    DocSection.objects.filter(language="en").exclude(pk=keep.pk).delete()
    DocSection.objects.filter(pk=keep.pk).update(body=body)
    DocSection.objects.filter(pk=keep.pk).update(search_vector=SearchVector("body", weight="C", config="english"))


@pytest.mark.parametrize("backend", ["postgresql", "fallback"])
def test_highlights_mark_whole_words_never_parts_of_words(index, backend):
    """Searching "rate" marks "rate" and "rates", not the "rate" inside "generate"; searching
    "generate" marks the whole word. The same on PostgreSQL and in the SQLite fallback."""
    _only_section("Generate text within your rate limit: rates reset each minute; generated tokens count.")

    def snippet(query):
        if backend == "postgresql":
            return str(selectors.doc_search(query=query, languages=["en"], semantic_timeout=0).hits[0].snippet)
        return str(selectors._fulltext_fallback(query, "en", 5)[0].snippet)

    rate = snippet("rate")
    assert "<mark>rate</mark> limit" in rate and "<mark>rates</mark>" in rate
    assert "Gene<mark>" not in rate and "gene<mark>" not in rate and "<mark>Generate</mark>" not in rate
    generate = snippet("generate")
    assert "<mark>Generate</mark> text" in generate and "<mark>generated</mark>" in generate
    assert "<mark>rate</mark>" not in generate


def test_fallback_does_not_find_a_word_inside_another(index):
    """Under SQLite a page that only says "generate" is not a hit for "rate"."""
    _only_section("Generate text with the chat endpoint.")
    assert selectors._fulltext_fallback("rate", "en", 5) == []
    assert selectors._fulltext_fallback("generate", "en", 5)


def test_semantic_excerpts_mark_whole_words_and_escape_html():
    """Excerpts made in Python (semantic hits, the fallback) escape the text, mark whole words
    and cannot be given a <mark> by the text itself."""
    text = "Sentinel \ue000 chars <b>and</b> html: generate, then rate."
    snippet = str(selectors._snippet(text, ["rate"]))
    assert snippet.count("<mark>") == 1 and "<mark>rate</mark>." in snippet
    assert "&lt;b&gt;and&lt;/b&gt;" in snippet and "\ue000" not in snippet


def test_chinese_queries_search_the_chinese_pages(index):
    for query, expected in [
        ("第一次调用", "getting-started"),
        ("吊销密钥", "authentication"),
        ("如何避免 429", "rate-limits"),
    ]:
        hits = selectors.doc_search(query=query, languages=["zh-hans", "en"], semantic_timeout=0).hits
        assert hits[0].page_slug == expected, (query, [h.page_slug for h in hits])
        assert "<mark>" in str(hits[0].snippet) or query in hits[0].heading


def test_index_sync_is_idempotent_and_keeps_embeddings(index):
    section = DocSection.objects.filter(language="en").first()
    DocSection.objects.filter(pk=section.pk).update(embedding=[1.0, 0.0])
    assert services.doc_sections_sync(language="en") is False
    assert DocSection.objects.get(content_hash=section.content_hash, page_slug=section.page_slug).embedding == [
        1.0,
        0.0,
    ]


def test_search_without_a_worker_degrades_to_full_text_in_time(index, settings):
    """Sections have embeddings but no worker answers: results come from full-text, fast."""
    DocSection.objects.update(embedding=[0.0] * 384)
    results = selectors.doc_search(query="how do I stop getting 429s", languages=["en"], semantic_timeout=0.5)
    assert results.semantic is False  # it gave up on the embedding after semantic_timeout
    assert results.hits[0].page_slug == "rate-limits"


def test_search_page_works_without_javascript(client):
    response = client.get(reverse("docs:search"), {"q": "how do I stop getting 429s"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/docs/rate-limits/#how-to-stop-getting-429s"' in html
    assert "<mark>" in html


def test_search_page_htmx_returns_the_results_fragment(client):
    response = client.get(reverse("docs:search"), {"q": "loss chart"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert "/docs/fine-tuning/#reading-the-loss-chart" in html


def test_forum_threads_appear_beside_docs_results(client, user):
    from community.forums.models import Category
    from community.forums.services import thread_create

    category = Category.objects.create(name="Questions", slug="questions")
    thread = thread_create(
        author=user,
        category=category,
        title="Throttled with 429 on embeddings",
        body="I get rate_limit_exceeded when I send many embedding requests at once.",
    )
    html = client.get(reverse("docs:search"), {"q": "429 embeddings"}).content.decode()
    assert "Forum threads" in html
    assert f'href="{thread.get_absolute_url()}"' in html
    assert "Throttled with 429 on embeddings" in html


def test_docs_index_command_builds_the_full_text_index(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("docs_index", "--no-embeddings", stdout=out)
    assert "en: index updated" in out.getvalue() and "zh-hans: index updated" in out.getvalue()
    assert DocSection.objects.filter(language="en", page_slug="rate-limits", anchor="how-to-stop-getting-429s").exists()
    call_command("docs_index", "--no-embeddings", stdout=out)
    assert "en: index current" in out.getvalue()
