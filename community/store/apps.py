from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StoreConfig(AppConfig):
    name = "community.store"
    label = "store"
    verbose_name = _("Rewards store")

    def ready(self):
        from community.rewards.hub import HubSection, register

        register(HubSection(template="store/_hub_section.html", order=40))
