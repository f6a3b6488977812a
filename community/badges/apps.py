from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_badges(sender, **kwargs):
    from .services import badges_sync

    badges_sync()


class BadgesConfig(AppConfig):
    name = "community.badges"
    label = "badges"
    verbose_name = _("Badges and honors")

    def ready(self):
        from community.rewards.hub import HubSection
        from community.rewards.hub import register as hub_section_register
        from portal.accounts.profile_sections import ProfileSection
        from portal.accounts.profile_sections import register as profile_section_register

        from . import handlers  # noqa: F401 - registers the activity handlers

        post_migrate.connect(_sync_badges, sender=self, dispatch_uid="badges.sync")
        # Badges and honors on the public profile (/u/<handle>/), after the forum activity.
        profile_section_register(ProfileSection(template="badges/_profile_section.html", order=20))
        # The member's badges and honors on the rewards hub (/rewards/).
        hub_section_register(HubSection(template="badges/_hub_section.html", order=30))
