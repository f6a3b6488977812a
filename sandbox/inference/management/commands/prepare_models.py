"""Make sure the default models can be served offline (run by `make run` before start)."""

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Register the default hosted models and prepare the local weights they need "
        "(converts SmolLM2-135M-Instruct from its GGUF file once, about 30 s)."
    )

    def handle(self, *args, **options):
        from sandbox.inference.defaults import (
            ECHO_CARD,
            ECHO_DISPLAY_NAME,
            GPT_MINI_ID,
            MINILM_ID,
            SMOLLM2_ID,
            minilm_path,
            smollm2_path,
        )
        from sandbox.inference.defaults.smollm2 import CONTEXT_LENGTH
        from sandbox.registry.cards import card_from_weights
        from sandbox.registry.selectors import Backend, Task
        from sandbox.registry.services import hosted_model_register, hosted_model_retire

        hosted_model_register(
            model_id="echo",
            source="",
            display_name=ECHO_DISPLAY_NAME,
            task=Task.CHAT,
            backend=Backend.ECHO,
            context_length=4096,
            max_output_tokens=4096,
            card=ECHO_CARD,
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
        self.stdout.write(f"Preparing {SMOLLM2_ID} (converted from its GGUF file the first time, about 30 s)...")
        path = smollm2_path()
        hosted_model_register(
            model_id=SMOLLM2_ID,
            source=f"atrium:{SMOLLM2_ID}",
            display_name="SmolLM2 135M Instruct",
            context_length=CONTEXT_LENGTH,
            max_output_tokens=settings.DEFAULT_CHAT_MAX_OUTPUT_TOKENS,
            card=card_from_weights(path),
        )
        # The toy model served before SmolLM2: disabled, not deleted (usage and `ft:` models
        # made from it keep their history).
        hosted_model_retire(model_id=GPT_MINI_ID)
        self.stdout.write(self.style.SUCCESS("Default models are ready."))
