from django.apps import AppConfig


class DocsConfig(AppConfig):
    name = "portal.docs"
    label = "docs"
    verbose_name = "Developer docs"

    def ready(self):
        # Registers the API-key scheme and the fine-tuning API's shapes with drf-spectacular
        # (extensions register on import).
        from . import openapi, openapi_finetuning  # noqa: F401
