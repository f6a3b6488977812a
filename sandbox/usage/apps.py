from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "sandbox.usage"
    label = "usage"
    verbose_name = "Usage metering"
