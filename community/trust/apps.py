from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _settings_ensure(sender, **kwargs) -> None:
    from .services import trust_settings_ensure

    trust_settings_ensure()


class TrustConfig(AppConfig):
    name = "community.trust"
    label = "trust"
    verbose_name = "Trust levels"

    def ready(self):
        from community.rewards.hub import HubSection
        from community.rewards.hub import register as hub_section_register
        from portal.accounts.profile_sections import ProfileSection
        from portal.accounts.profile_sections import register as profile_section_register

        from . import handlers  # noqa: F401 - registers the activity handlers

        # The member's level and progress on their profile (/u/<handle>/).
        profile_section_register(ProfileSection(template="trust/_profile_section.html", order=15))
        # And on the rewards hub (/rewards/).
        hub_section_register(HubSection(template="trust/_hub_section.html", order=20))
        # Every setting gets its row, so managers find them all in the admin.
        post_migrate.connect(_settings_ensure, sender=self, dispatch_uid="trust.settings_ensure")
