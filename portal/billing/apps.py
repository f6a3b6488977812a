from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "portal.billing"
    label = "billing"
    verbose_name = "Credits and billing"

    def ready(self):
        from . import handlers  # noqa: F401 - registers the activity handlers
