from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKeyQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def live(self, *, now=None):
        """Keys that authenticate right now: not revoked and not expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKey(models.Model):
    """A secret that authenticates /v1 calls for its owner. Only a hash is stored."""

    class Scope(models.TextChoices):
        INFERENCE = "inference", _("Inference (chat, completions, embeddings)")
        FINE_TUNING = "fine-tuning", _("Fine-tuning jobs")
        FILES = "files", _("Files")
        READ_ONLY = "read-only", _("Read-only (GET requests only)")

    DEFAULT_SCOPES = [Scope.INFERENCE.value, Scope.FINE_TUNING.value, Scope.FILES.value]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=32, help_text=_("The visible start of the secret, for recognising it."))
    last_four = models.CharField(max_length=4)
    secret_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Per-key overrides of the default limits (settings.RATE_LIMIT_KEY_*); empty: the default.
    rate_limit_rpm = models.PositiveIntegerField(null=True, blank=True)
    rate_limit_tpm = models.PositiveIntegerField(null=True, blank=True)
    # 0: the request log keeps no bodies of this key's calls (the default); N: it keeps
    # each call's request and response bodies for N days (at most REQUEST_LOG_BODIES_MAX_DAYS).
    log_bodies_days = models.PositiveSmallIntegerField(_("log request and response bodies for"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.name} ({self.masked})"

    def get_absolute_url(self):
        return reverse("apikeys:list")

    def clean(self):
        from django.core.exceptions import ValidationError

        valid = set(self.Scope.values)
        if not isinstance(self.scopes, list) or not self.scopes or not set(self.scopes) <= valid:
            raise ValidationError({"scopes": _("Choose at least one of: %s.") % ", ".join(sorted(valid))})

    @property
    def masked(self) -> str:
        return f"{self.prefix}…{self.last_four}"

    def is_live(self, *, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
