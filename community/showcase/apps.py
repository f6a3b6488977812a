from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShowcaseConfig(AppConfig):
    name = "community.showcase"
    label = "showcase"
    verbose_name = _("Showcase")

    def ready(self):
        from community.rewards.rules import rule_register
        from portal.accounts.profile_sections import ProfileSection
        from portal.accounts.profile_sections import register as profile_section_register

        from . import handlers

        for rule in handlers.RULES:
            rule_register(rule)
        # The member's published entries on their public profile (/u/<handle>/).
        profile_section_register(ProfileSection(template="showcase/_profile_section.html", order=25))
