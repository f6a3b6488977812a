from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "community.rewards"
    label = "rewards"
    verbose_name = _("Rewards")

    def ready(self):
        from portal.accounts.profile_sections import ProfileSection
        from portal.accounts.profile_sections import register as profile_section_register

        from . import handlers  # noqa: F401 - registers the activity handlers
        from .hub import HubSection
        from .hub import register as hub_section_register

        # Reputation on the public profile, after the About section.
        profile_section_register(ProfileSection(template="rewards/_profile_section.html", order=5))
        # The member's places on the leaderboards (this week, this month, all time).
        hub_section_register(HubSection(template="rewards/_leaderboard_hub.html", order=30))
