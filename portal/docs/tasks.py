"""Celery tasks of the docs app: thin adapters over services."""

import contextlib

from celery import shared_task


@shared_task(name="portal.docs.tasks.doc_sections_embed", ignore_result=True, time_limit=900)
def doc_sections_embed(*, language: str) -> None:
    """Ask an inference worker for the embeddings of the sections that lack them."""
    from .embeddings import EmbeddingUnavailable
    from .services import doc_sections_embed as embed

    # Without a worker, search works on full text meanwhile; doc_sections_ensure asks again.
    with contextlib.suppress(EmbeddingUnavailable):
        embed(language=language)
