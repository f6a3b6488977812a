from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AmbassadorsConfig(AppConfig):
    name = "community.ambassadors"
    label = "ambassadors"
    verbose_name = _("Ambassadors")

    def ready(self):
        from . import handlers  # registers the activity handlers

        handlers.rules_register()
