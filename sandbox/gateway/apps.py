from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "sandbox.gateway"
    label = "gateway"
    verbose_name = "OpenAI-compatible API"

    def ready(self):
        from . import schema  # noqa: F401  (registers the OpenAPI auth extension)
