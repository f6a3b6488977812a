from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "community.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self):
        from community.rewards.rules import rule_register

        from . import handlers

        for rule in handlers.RULES:
            rule_register(rule)
