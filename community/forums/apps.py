from django.apps import AppConfig


class ForumsConfig(AppConfig):
    name = "community.forums"
    label = "forums"
    verbose_name = "Forums"
