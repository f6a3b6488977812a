"""Semantic docs search through a real inference worker (all-minilm-l6-v2)."""

import time

import pytest

from portal.docs import selectors, services
from portal.docs.models import DocSection
from sandbox.registry.models import HostedModel


@pytest.fixture
def embedded_index(celery_worker, transactional_db):
    from sandbox.inference.defaults import MINILM_ID

    HostedModel.objects.create(
        model_id=MINILM_ID,
        backend=HostedModel.Backend.SENTENCE_EMBEDDING,
        task=HostedModel.Task.EMBEDDINGS,
        source=f"atrium:{MINILM_ID}",
        context_length=256,
        max_output_tokens=0,
    )
    # The index syncs and hands embedding to the Celery task (default queue), which asks
    # the inference worker; wait for the rows to be filled.
    services.doc_sections_ensure()
    deadline = time.monotonic() + 240
    while DocSection.objects.filter(language="en", embedding__isnull=True).exists():
        assert time.monotonic() < deadline, f"the docs were not embedded by the worker in time:\n{celery_worker.output}"
        time.sleep(1)


def test_semantic_ranking_understands_questions_without_shared_words(embedded_index):
    """Embeddings alone find the rate-limits page for a question that shares few of its words;
    the hybrid search uses the worker and ranks the answer first."""
    hits = selectors._semantic("my requests keep getting throttled", ["en"], 10, timeout=60)
    assert hits is not None
    assert hits[0].page_slug == "rate-limits", [(h.page_slug, h.anchor) for h in hits[:5]]
    hits = selectors._semantic("how do I stop getting 429s", ["en"], 10, timeout=60)
    assert hits[0].page_slug in {"rate-limits", "errors"}, [(h.page_slug, h.anchor) for h in hits[:5]]

    # Combined with full text (one test: embedding the docs on a CPU worker takes a while).
    results = selectors.doc_search(query="how do I stop getting 429s", languages=["en"], semantic_timeout=60)
    assert results.semantic is True
    assert results.hits[0].page_slug == "rate-limits"
    assert {"text", "semantic"} <= results.hits[0].matched_by
