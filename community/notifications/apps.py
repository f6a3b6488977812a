from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "community.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from . import handlers  # noqa: F401 - registers the activity handlers
