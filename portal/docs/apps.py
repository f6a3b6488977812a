from django.apps import AppConfig


class DocsConfig(AppConfig):
    name = "portal.docs"
    label = "docs"
    verbose_name = "Developer docs"

    def ready(self):
        from sandbox.usage.errorhelp import error_explanation_provider_register

        # Registers the API-key scheme with drf-spectacular (extensions register on import).
        from . import openapi  # noqa: F401
        from .errorpage import error_explanation

        # The request log explains a failed request with the errors page's section for its code.
        error_explanation_provider_register(error_explanation)
