"""Make sure the default models can be served offline (run by `make run` before start)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Register the default hosted models and build any local weights they need."

    def handle(self, *args, **options):
        from sandbox.registry.models import HostedModel

        HostedModel.objects.get_or_create(
            model_id="echo",
            defaults={
                "display_name": "Echo (testing)",
                "task": HostedModel.Task.CHAT,
                "backend": HostedModel.Backend.ECHO,
                "context_length": 4096,
                "max_output_tokens": 4096,
                "card": "Repeats the last user message word by word. Free; for testing integrations.",
            },
        )
        self.stdout.write(self.style.SUCCESS("Default models are ready."))
