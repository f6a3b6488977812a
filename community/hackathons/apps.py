from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HackathonsConfig(AppConfig):
    name = "community.hackathons"
    label = "hackathons"
    verbose_name = _("Hackathons")

    def ready(self):
        from community.events.sections import EventSection
        from community.events.sections import register as event_section_register

        from . import handlers  # registers the activity handlers

        handlers.rules_register()
        # A hackathon event's page links to its teams, submissions and results.
        event_section_register(EventSection(template="hackathons/_event_section.html", kinds={"hackathon"}, order=50))
