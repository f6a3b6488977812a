"""In-app notifications (the bell) and each member's email preferences."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    REPLY = "reply", _("Reply to your thread")
    MENTION = "mention", _("Mention")
    ACCEPTED = "accepted", _("Accepted answer")
    WATCHED = "watched", _("Activity you watch")
    MODERATION = "moderation", _("Moderation")
    SECURITY = "security", _("Security")
    BADGE = "badge", _("Badge earned")
    HONOR = "honor", _("Honor awarded")
    LEVEL = "level", _("Trust level reached")
    STORE = "store", _("Rewards store order")
    BOUNTY = "bounty", _("Bounty received")
    EVENT = "event", _("Event")


class DigestFrequency(models.TextChoices):
    OFF = "off", _("Never")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something a member should know about; read_at is set when they open it."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notif_recipient_unread")]

    def __str__(self):
        return self.title


class NotificationPreference(models.Model):
    """Which notifications a member also wants by email, and their digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_reply = models.BooleanField(_("Replies to my threads"), default=True)
    email_mention = models.BooleanField(_("Mentions of me"), default=True)
    email_accepted = models.BooleanField(_("My answer was accepted"), default=True)
    email_watched = models.BooleanField(_("Threads and categories I watch"), default=True)
    email_badge = models.BooleanField(_("Badges I earn"), default=True)
    email_honor = models.BooleanField(_("Honors awarded to me"), default=True)
    digest = models.CharField(
        _("Digest email"), max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.WEEKLY
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Notification preferences of {self.user_id}"

    def wants_email(self, kind: str) -> bool:
        # Moderation, security and a store order's outcome (a receipt, like a shop's) always mail.
        if kind in (NotificationKind.MODERATION, NotificationKind.SECURITY, NotificationKind.STORE):
            return True
        if kind == NotificationKind.BOUNTY:  # a bounty is paid to an answer: the accepted-answer choice
            return self.email_accepted
        return bool(getattr(self, f"email_{kind}", False))
