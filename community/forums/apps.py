from django.apps import AppConfig


class ForumsConfig(AppConfig):
    name = "community.forums"
    label = "forums"
    verbose_name = "Forums"

    def ready(self):
        from . import signals

        signals.connect_members()
