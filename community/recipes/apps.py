from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecipesConfig(AppConfig):
    name = "community.recipes"
    label = "recipes"
    verbose_name = _("Fine-tuning recipes")

    def ready(self):
        from portal.accounts.profile_sections import ProfileSection
        from portal.accounts.profile_sections import register as profile_section_register

        from . import handlers  # registers the activity handlers

        handlers.rules_register()
        # A member's recipes on the public profile, after badges.
        profile_section_register(ProfileSection(template="recipes/_profile_section.html", order=40))
