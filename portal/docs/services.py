"""Writes of the docs app: the search index, page views, feedback."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from community.activity.services import activity_record

from .models import DocSection, PageFeedback, PageView
from .pages import PAGE_ORDER, DocPage, languages_with_content, page_get, page_render, page_source, pages_all

logger = logging.getLogger(__name__)

HEADING = re.compile(r"^(#{2,3})\s+(.*?)\s*(\{[^}]*\})?\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
# Text search configuration per content language; PostgreSQL has no Chinese parser, so
# Chinese goes through the substring search of the fallback (see selectors).
SEARCH_CONFIGS = {"en": "english"}
EMBED_RETRY_SECONDS = 300


def _plain_text(markdown_source: str) -> str:
    from portal.markdown import DOCS, render_markdown, to_text

    text = to_text(render_markdown(markdown_source, profile=DOCS).html)
    text = text.replace("[[quickstart-key]]", "").replace("#", " ")
    return re.sub(r"\s+", " ", text).strip()


def _split_sections(page: DocPage) -> list[dict]:
    """The page cut at its h2/h3 headings, each part with the anchor the renderer gives it."""
    source = page_source(page, base_url=settings.SITE_URL + "/v1", api_key_hint="YOUR_API_KEY")
    anchors = [
        entry["id"] for entry in page_render(page, base_url=settings.SITE_URL + "/v1", api_key_hint="YOUR_API_KEY").toc
    ]
    parts: list[dict] = [{"heading": "", "lines": []}]
    in_fence = False
    for line in source.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else HEADING.match(line)
        if match:
            parts.append({"heading": match.group(2), "lines": []})
        elif not line.startswith("# "):
            parts[-1]["lines"].append(line)
    if len(parts) - 1 != len(anchors):
        logger.warning("docs page %s: headings and anchors disagree; indexing without anchors", page.slug)
        anchors = [""] * (len(parts) - 1)
    sections = []
    for position, (part, anchor) in enumerate(zip(parts, ["", *anchors], strict=True)):
        body = _plain_text("\n".join(part["lines"]))
        if not body and not part["heading"]:
            continue
        heading = re.sub(r"[`*]", "", part["heading"])
        sections.append(
            {
                "position": position,
                "anchor": anchor,
                "heading": heading,
                "body": body,
                "content_hash": hashlib.sha256(f"{page.title}\0{heading}\0{body}".encode()).hexdigest(),
            }
        )
    return sections


@transaction.atomic
def doc_sections_sync(*, language: str) -> bool:
    """Make the search index of ``language`` match the Markdown files; True when it changed.

    Embeddings of unchanged sections are kept; doc_sections_ensure (or the docs_index
    command) asks an inference worker for the new ones.
    """
    pages = [page_get(slug, language) for slug in PAGE_ORDER]
    pages = [page for page in pages if page.language == language]
    wanted = [(page, section) for page in pages for section in _split_sections(page)]
    existing = {s.content_hash: s for s in DocSection.objects.filter(language=language)}
    wanted_keys = {(p.slug, s["position"], s["anchor"], s["content_hash"]) for p, s in wanted}
    existing_keys = {(s.page_slug, s.position, s.anchor, s.content_hash) for s in existing.values()}
    if wanted_keys == existing_keys:
        return False
    DocSection.objects.filter(language=language).delete()
    rows = []
    for page, section in wanted:
        previous = existing.get(section["content_hash"])
        row = DocSection(
            language=language,
            page_slug=page.slug,
            page_title=page.title,
            embedding=previous.embedding if previous else None,
            **section,
        )
        row.full_clean(exclude=["search_vector", "embedding"])
        rows.append(row)
    DocSection.objects.bulk_create(rows)
    config = SEARCH_CONFIGS.get(language)
    if connection.vendor == "postgresql" and config:
        DocSection.objects.filter(language=language).update(
            search_vector=SearchVector("page_title", weight="A", config=config)
            + SearchVector("heading", weight="B", config=config)
            + SearchVector("body", weight="C", config=config)
        )
    return True


def doc_sections_ensure() -> None:
    """Sync the search index once per version of the Markdown sources (cheap when current),
    and ask a worker for missing embeddings at most every few minutes."""
    fingerprint = hashlib.sha256()
    for language in languages_with_content():
        for page in pages_all(language):
            fingerprint.update(f"{language}\0{page.slug}\0{page.content_hash}".encode())
    key = f"docs:index-synced:{fingerprint.hexdigest()}"
    if cache.get(key):
        return
    for language in languages_with_content():
        doc_sections_sync(language=language)
    missing = set(DocSection.objects.filter(embedding__isnull=True).values_list("language", flat=True))
    if missing and cache.add("docs:embed-requested", True, EMBED_RETRY_SECONDS):
        from .tasks import doc_sections_embed

        for language in sorted(missing):
            transaction.on_commit(lambda language=language: doc_sections_embed.delay(language=language))
    # Until every section has its embedding, check again after the retry interval.
    cache.set(key, True, EMBED_RETRY_SECONDS if missing else 24 * 3600)


def _embedding_text(section: DocSection) -> str:
    """The start of a section, short enough for MiniLM's 256-token window (which refuses
    longer inputs): about 400 characters of English, fewer of Chinese (a token a character)."""
    text = f"{section.page_title}. {section.heading}. {section.body}"
    return text[:400] if text.isascii() else text[:180]


def doc_sections_embed(*, language: str, timeout: float = 300, batch_size: int = 32) -> int:
    """Embed the sections of ``language`` that have no embedding yet; returns how many."""
    from .embeddings import embed_texts

    pending = list(DocSection.objects.filter(language=language, embedding__isnull=True))
    for start in range(0, len(pending), batch_size):
        batch = pending[start : start + batch_size]
        texts = [_embedding_text(s) for s in batch]
        for section, vector in zip(batch, embed_texts(texts, timeout=timeout), strict=True):
            section.embedding = vector
        DocSection.objects.bulk_update(batch, ["embedding"])
    return len(pending)


def _visitor(request) -> str:
    if not request.session.session_key:
        request.session.save()
    return hashlib.sha256(f"{settings.SECRET_KEY}\0{request.session.session_key}".encode()).hexdigest()


def page_view_record(*, request, page: DocPage) -> PageView:
    """Count one view of ``page`` for the dashboards (who, when, from where)."""
    view = PageView(
        page_slug=page.slug,
        language=page.requested_language,
        user=request.user if request.user.is_authenticated else None,
        visitor=_visitor(request),
        referrer=request.headers.get("Referer", "")[:500],
    )
    view.full_clean()
    view.save()
    if request.user.is_authenticated:
        # Views are frequent: the stream keeps one a reader, page and day; PageView counts every one.
        activity_record(
            actor=request.user,
            verb="docs.page.viewed",
            target=("docs.page", page.slug),
            properties={"slug": page.slug, "language": page.requested_language},
            dedupe_key=f"docs.page.viewed:{request.user.pk}:{page.slug}:{timezone.now():%Y-%m-%d}",
        )
    return view


def page_feedback_create(*, request, page: DocPage, helpful: bool, comment: str = "") -> PageFeedback:
    """Record an answer to "Was this page helpful?".

    One answer per reader and page a day: answering again (say, to add a comment) updates
    it, so the dashboards count readers, not clicks.
    """
    visitor = _visitor(request)
    since = timezone.now() - timedelta(days=1)
    feedback = PageFeedback.objects.filter(page_slug=page.slug, visitor=visitor, created_at__gte=since).first()
    if feedback is None:
        feedback = PageFeedback(page_slug=page.slug, visitor=visitor)
    feedback.language = page.requested_language
    feedback.helpful = helpful
    feedback.comment = comment.strip() or feedback.comment
    feedback.user = request.user if request.user.is_authenticated else feedback.user
    feedback.full_clean()
    feedback.save()
    activity_record(
        actor=request.user,
        verb="docs.feedback.given",
        target=feedback,
        properties={
            "slug": page.slug,
            "language": feedback.language,
            "helpful": helpful,
            "has_comment": bool(feedback.comment),
        },
        # A resent answer records once; changing it records the new one.
        dedupe_key=f"docs.feedback.given:{feedback.pk}:{'yes' if helpful else 'no'}",
    )
    return feedback


def quickstart_key_create(*, user, name: str = ""):
    """Create an API key from the quickstart; returns (key, secret shown once)."""
    from portal.apikeys.services import api_key_create

    return api_key_create(user=user, name=name or "Quickstart")
