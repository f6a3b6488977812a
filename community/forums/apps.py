from django.apps import AppConfig


class ForumsConfig(AppConfig):
    name = "community.forums"
    label = "forums"
    verbose_name = "Forums"

    def ready(self):
        from sandbox.gateway.errors import help_url_provider_register

        from . import signals
        from .selectors import error_help_url

        signals.connect_members()
        help_url_provider_register(error_help_url)
