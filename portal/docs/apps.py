from django.apps import AppConfig


class DocsConfig(AppConfig):
    name = "portal.docs"
    label = "docs"
    verbose_name = "Developer docs"
