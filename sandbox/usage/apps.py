from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "sandbox.usage"
    label = "usage"
    verbose_name = "Usage metering"

    def ready(self):
        from portal.apikeys.stats import register_month_totals

        from .selectors import usage_month_totals_by_key

        register_month_totals(usage_month_totals_by_key)
