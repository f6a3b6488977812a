"""Search (ranked, with highlighted snippets), errors meeting answers, and the managers'
unanswered queue with time to first response."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.forums import selectors, services
from community.forums.models import Thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(qa, categories, asker, answerer):
    a = services.thread_create(
        author=asker,
        category=qa,
        title="Embeddings dimension mismatch",
        body="My vector store expects 768 dimensions but embeddings come back with 384.",
    )
    b = services.thread_create(
        author=asker,
        category=categories["discussions"],
        title="Favourite tokenizer tricks",
        body="Tell me how you count tokens before sending a prompt.",
    )
    services.post_create(author=answerer, thread=b, body="I truncate embeddings input to the context window first.")
    c = services.thread_create(
        author=asker,
        category=qa,
        title="Rate limits for batch jobs",
        body="How many requests per minute can a batch job send?",
    )
    return a, b, c


def test_search_ranks_title_matches_first_and_highlights(corpus):
    a, b, _c = corpus
    hits = selectors.thread_search(query="embeddings")
    assert [h.thread for h in hits] == [a, b]  # title match (weight A) above a reply mention (B)
    assert "<mark>" in hits[0].snippet and "<mark>" in hits[1].snippet
    assert hits[0].url == a.get_absolute_url()


def test_search_finds_words_in_replies_and_stems(corpus):
    _a, b, _c = corpus
    assert [h.thread for h in selectors.thread_search(query="truncating")] == [b]


def test_search_skips_hidden_and_deleted_threads(corpus, moderator):
    a, b, c = corpus
    services.post_hide(moderator=moderator, post=a.posts.get(is_first=True), reason="spam")
    assert [h.thread for h in selectors.thread_search(query="embeddings")] == [b]


def test_search_snippets_escape_markup(qa, asker):
    services.thread_create(
        author=asker,
        category=qa,
        title="Escaping question in search",
        body="searchable <script>alert('searchable')</script> <b>searchable</b> text",
    )
    hits = selectors.thread_search(query="searchable")
    assert hits
    import re

    assert set(re.findall(r"</?([a-z]+)", hits[0].snippet)) == {"mark"}


def test_search_page_and_empty_query(client, corpus):
    page = client.get(reverse("forums:search"), {"q": "rate limits"}).content.decode()
    assert "Rate limits for batch jobs" in page
    assert client.get(reverse("forums:search"), {"q": ""}).status_code == 200
    assert selectors.thread_search(query="   ") == []
    assert client.get(reverse("forums:search"), {"q": "nothingmatchesthis"}).status_code == 200


def test_search_tolerates_query_syntax(corpus):
    for query in ['"unclosed', "a & | ! ( )", "-", "embeddings OR rate", "'; drop table forums_thread; --"]:
        selectors.thread_search(query=query)  # no exception


def test_solved_threads_for_error_codes(qa, asker, answerer):
    solved = services.thread_create(
        author=asker,
        category=qa,
        title="insufficient_quota after top-up",
        body="I added credits but still see it.",
        error_code="insufficient_quota",
    )
    reply = services.post_create(author=answerer, thread=solved, body="Credits take a minute to apply.")
    services.post_accept_answer(user=asker, post=reply)
    services.thread_create(
        author=asker,
        category=qa,
        title="insufficient_quota unsolved one",
        body="No answer yet here.",
        error_code="insufficient_quota",
    )
    result = selectors.solved_threads_for_error_codes(codes=["insufficient_quota", "model_not_found"])
    assert result == {"insufficient_quota": [solved], "model_not_found": []}


def test_unanswered_queue_and_time_to_first_response(client, qa, asker, answerer, staff, third):
    old = services.thread_create(
        author=asker, category=qa, title="Old unanswered question here", body="Waiting for a day."
    )
    answered = services.thread_create(
        author=third, category=qa, title="Old but answered question", body="Someone answered this."
    )
    fresh = services.thread_create(
        author=third, category=qa, title="Fresh unanswered question", body="Just asked this."
    )
    day_ago = timezone.now() - timedelta(hours=30)
    Thread.objects.filter(pk__in=[old.pk, answered.pk]).update(created_at=day_ago)
    services.post_create(author=answerer, thread=answered, body="Here is your answer.")
    assert list(selectors.unanswered_queue()) == [old]
    answered.refresh_from_db()
    assert answered.time_to_first_response > timedelta(hours=29)
    client.force_login(asker)
    assert client.get(reverse("forums:manage_unanswered")).status_code == 403
    client.force_login(staff)
    page = client.get(reverse("forums:manage_unanswered")).content.decode()
    assert "Old unanswered question here" in page and "Fresh unanswered question" in page  # table lists both
    queue_section = page.split('id="unanswered"')[1].split("</ul>")[0]
    assert "Old unanswered question here" in queue_section and "Fresh unanswered question" not in queue_section
    times = {t.pk: t.time_to_first_response for t in selectors.thread_response_times()}
    assert times[fresh.pk] is None and times[answered.pk] is not None


def test_search_fallback_without_postgresql(corpus, monkeypatch):
    """The embedded default (SQLite) has no tsvector: plain matching, titles first, marked snippets."""
    a, b, _c = corpus

    class NotPostgres:
        vendor = "sqlite"

    monkeypatch.setattr(selectors.search, "connection", NotPostgres())
    hits = selectors.thread_search(query="embeddings")
    assert [h.thread for h in hits] == [a, b]
    assert "<mark>embeddings</mark>" in hits[0].snippet.lower()
    assert selectors.thread_search(query="embeddings nonexistentword") == []
    assert [h.thread for h in selectors.similar_threads(title="embeddings dimension problem")][:1] == [a]


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_snippets_show_the_text_readers_see_not_markdown(qa, asker, monkeypatch, backend):
    """A snippet quotes the rendered words: no `**`, link syntax or fences, and markup a
    member typed stays inert text; only <mark> is HTML. Same on PostgreSQL and SQLite."""
    if backend == "sqlite":

        class NotPostgres:
            vendor = "sqlite"

        monkeypatch.setattr(selectors.search, "connection", NotPostgres())
    services.thread_create(
        author=asker,
        category=qa,
        title="Streaming stops after the first chunk",
        body=(
            "## Setup\n\nI use **streaming** with [the SDK](https://example.org/sdk) and "
            "`<img src=x onerror=alert(1)>` in a string.\n\n```python\nprint('streaming')\n```\n\n"
            "<script>alert('streaming')</script>"
        ),
    )
    import re

    snippet = selectors.thread_search(query="streaming")[0].snippet
    assert "<mark>streaming</mark> with the SDK and" in snippet, snippet
    for markdown in ("**", "](", "```", "##", "https://example.org"):
        assert markdown not in snippet, snippet
    assert "&lt;img src=x onerror=alert(1)&gt;" in snippet  # the code the member quoted, as text
    assert set(re.findall(r"</?([a-z]+)", snippet)) == {"mark"}
    assert "alert('streaming')" not in snippet  # the sanitizer dropped the script's content


def test_search_matches_whole_words_without_postgresql(qa, asker, monkeypatch):
    """Under SQLite a thread saying only "generate" is not a hit for "rate"."""

    class NotPostgres:
        vendor = "sqlite"

    monkeypatch.setattr(selectors.search, "connection", NotPostgres())
    services.thread_create(
        author=asker, category=qa, title="How do I generate JSON output?", body="The model should generate JSON."
    )
    assert selectors.thread_search(query="rate") == []
    snippet = selectors.thread_search(query="generate")[0].snippet
    assert "<mark>generate</mark> JSON" in snippet
