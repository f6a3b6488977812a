"""Make sure the default models can be served offline (run by `make run` before start)."""

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Register the default hosted models and build any local weights they need (atrium-gpt-mini)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--train-seconds",
            type=float,
            default=None,
            help="Training budget for atrium-gpt-mini (default: ATRIUM_GPT_MINI_TRAIN_SECONDS).",
        )

    def handle(self, *args, **options):
        from sandbox.inference.defaults import GPT_MINI_ID, MINILM_ID, default_lm_path, minilm_path
        from sandbox.registry.cards import card_from_weights
        from sandbox.registry.selectors import Backend, Task
        from sandbox.registry.services import hosted_model_register

        hosted_model_register(
            model_id="echo",
            source="",
            display_name="Echo (testing)",
            task=Task.CHAT,
            backend=Backend.ECHO,
            context_length=4096,
            max_output_tokens=4096,
            card="Repeats the last user message word by word. Free; for testing integrations.",
        )
        hosted_model_register(
            model_id=MINILM_ID,
            source=f"atrium:{MINILM_ID}",
            display_name="all-MiniLM-L6-v2",
            task=Task.EMBEDDINGS,
            backend=Backend.SENTENCE_EMBEDDING,
            context_length=256,
            max_output_tokens=0,
            card=card_from_weights(minilm_path()),
        )
        self.stdout.write(f"Building {GPT_MINI_ID} if needed (a progress bar shows while it trains)...")
        budget = options["train_seconds"]
        path = default_lm_path(train_seconds=settings.ATRIUM_GPT_MINI_TRAIN_SECONDS if budget is None else budget)
        hosted_model_register(
            model_id=GPT_MINI_ID,
            source=f"atrium:{GPT_MINI_ID}",
            display_name="Atrium GPT mini",
            context_length=256,
            max_output_tokens=200,
            card=card_from_weights(path),
        )
        self.stdout.write(self.style.SUCCESS("Default models are ready."))
