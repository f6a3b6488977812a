from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UsageRecord(models.Model):
    """One /v1 call: who, with which key and model, tokens, latency, outcome, cost.

    Written behind the request path: the gateway appends to a Redis stream, and the
    `sandbox.usage.records_flush` task inserts in batches (idempotent on request_id).
    """

    class Endpoint(models.TextChoices):
        CHAT = "chat.completions", _("Chat completions")
        COMPLETIONS = "completions", _("Completions")
        EMBEDDINGS = "embeddings", _("Embeddings")
        MODELS = "models", _("Models")
        FILES = "files", _("Files")
        FINE_TUNING = "fine_tuning.jobs", _("Fine-tuning jobs")

    request_id = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="usage_records")
    # Empty for calls made from the Playground (signed-in browser session).
    api_key = models.ForeignKey(
        "apikeys.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="usage_records"
    )
    # A model the catalog found for the caller; empty for calls that name none (GET
    # /v1/models) and for names that are no model (those stay in ``requested_model``).
    model_id = models.CharField(max_length=200, blank=True)
    # What the client sent as the model, found or not: shown in the member's own request
    # log only, never aggregated as a model.
    requested_model = models.CharField(max_length=200, blank=True)
    endpoint = models.CharField(max_length=30, choices=Endpoint.choices)
    stream = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField()
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField()
    cost = models.DecimalField(max_digits=16, decimal_places=6, default=Decimal("0"))
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["api_key", "created_at"]),
            models.Index(fields=["user", "error_code", "created_at"], name="usage_user_error_idx"),
        ]

    def __str__(self):
        return f"{self.request_id} {self.endpoint} {self.model_id} {self.status_code}"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def is_error(self) -> bool:
        return self.status_code >= 400


class UsageRecordBody(models.Model):
    """A call's request and response bodies, kept only for a key that opts in
    (``log_bodies_days``) and only until ``expires_at`` (purged by the beat task
    ``sandbox.usage.bodies_purge``). Keys found in them are redacted before storing."""

    record = models.OneToOneField(UsageRecord, on_delete=models.CASCADE, primary_key=True, related_name="bodies")
    request_body = models.TextField(blank=True)
    response_body = models.TextField(blank=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"bodies of {self.record_id}"
