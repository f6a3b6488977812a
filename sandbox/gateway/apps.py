from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "sandbox.gateway"
    label = "gateway"
    verbose_name = "OpenAI-compatible API"

    def ready(self):
        from django.urls import register_converter

        from . import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from .converters import AnyTextConverter

        # Before any URLconf is read: the /v1 patterns and the /v1 catch-all use it.
        register_converter(AnyTextConverter, "anytext")
