from django.apps import AppConfig


class DocsConfig(AppConfig):
    name = "portal.docs"
    label = "docs"
    verbose_name = "Developer docs"

    def ready(self):
        # Registers the API-key scheme with drf-spectacular (extensions register on import).
        from . import openapi  # noqa: F401
