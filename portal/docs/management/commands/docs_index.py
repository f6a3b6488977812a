"""Build the docs search index, and its embeddings through an inference worker."""

from django.core.management.base import BaseCommand

from portal.docs.embeddings import EmbeddingUnavailable
from portal.docs.pages import languages_with_content
from portal.docs.services import doc_sections_embed, doc_sections_sync


class Command(BaseCommand):
    help = "Index the Markdown docs for search; embed the sections with all-minilm-l6-v2 on an inference worker."

    def add_arguments(self, parser):
        parser.add_argument("--no-embeddings", action="store_true", help="Full-text index only.")
        parser.add_argument("--timeout", type=float, default=300, help="Seconds to wait for a worker per batch.")

    def handle(self, *args, **options):
        for language in languages_with_content():
            changed = doc_sections_sync(language=language)
            self.stdout.write(f"{language}: index {'updated' if changed else 'current'}")
            if options["no_embeddings"]:
                continue
            try:
                count = doc_sections_embed(language=language, timeout=options["timeout"])
            except EmbeddingUnavailable as exc:
                self.stderr.write(f"{language}: no embeddings ({exc}); search uses full text only")
            else:
                self.stdout.write(f"{language}: {count} sections embedded")
