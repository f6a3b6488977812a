from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "sandbox.gateway"
    label = "gateway"
    verbose_name = "OpenAI-compatible API"
