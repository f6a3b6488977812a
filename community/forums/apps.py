from django.apps import AppConfig


class ForumsConfig(AppConfig):
    name = "community.forums"
    label = "forums"
    verbose_name = "Forums"

    def ready(self):
        from portal.accounts.profile_sections import ProfileSection
        from portal.accounts.profile_sections import register as profile_section_register
        from sandbox.gateway.errors import help_url_provider_register
        from sandbox.usage.errorhelp import error_answers_provider_register

        from . import handlers, signals
        from .selectors import error_answer_links, error_help_url

        signals.connect_members()
        handlers.handlers_register()  # bounties: the rewards rule they pay under, and paying on accept
        # The member's threads, replies and accepted answers on their profile (/u/<handle>/).
        profile_section_register(ProfileSection(template="forums/_profile_section.html", order=10))
        help_url_provider_register(error_help_url)
        error_answers_provider_register(error_answer_links)
