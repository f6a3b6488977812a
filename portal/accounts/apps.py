from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    # allauth's own app is "Accounts" (email addresses) in the admin: ours holds the members.
    verbose_name = "Members and profiles"

    def ready(self):
        from . import signals  # noqa: F401
