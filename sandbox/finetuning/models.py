"""Fine-tuning state: uploaded files, jobs, their events and checkpoints, webhooks.

Everything a worker needs to resume a job after a crash lives here (status, attempts,
heartbeat, the checkpoints on disk), never only in Celery.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def _public_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(12)}"


def new_file_id() -> str:
    return _public_id("file")


def new_job_id() -> str:
    return _public_id("ftjob")


def new_checkpoint_id() -> str:
    return _public_id("ftckpt")


def new_webhook_secret() -> str:
    return f"whsec_{secrets.token_hex(24)}"


class TrainingFileQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)


class TrainingFile(models.Model):
    """A JSONL file uploaded for fine-tuning, validated before it was stored."""

    class Purpose(models.TextChoices):
        FINE_TUNE = "fine-tune", _("Fine-tuning")

    class Format(models.TextChoices):
        CHAT = "chat", _("Chat messages")
        COMPLETION = "completion", _("Prompt and completion")

    id = models.CharField(primary_key=True, max_length=40, default=new_file_id, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_files")
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.FINE_TUNE)
    filename = models.CharField(max_length=255)
    content = models.FileField(upload_to="finetuning/files/")
    bytes = models.PositiveBigIntegerField()
    format = models.CharField(max_length=20, choices=Format.choices)
    example_count = models.PositiveIntegerField()
    # The tokens one epoch trains on, counted at upload by `tokens_counted_with`'s tokenizer
    # on the rendered chat template (sandbox.finetuning.encoding, the trainer's own code);
    # a job on a model with another tokenizer counts the file again.
    token_count = models.PositiveBigIntegerField()
    tokens_counted_with = models.CharField(max_length=200, blank=True)
    longest_example_tokens = models.PositiveIntegerField(default=0)
    longest_example_line = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TrainingFileQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.id} ({self.filename})"


class FineTuningJobQuerySet(models.QuerySet):
    def owned_by(self, user):
        return self.filter(owner=user)

    def active(self):
        return self.filter(status__in=FineTuningJob.ACTIVE_STATUSES)


class FineTuningJob(models.Model):
    """One fine-tuning run of a base model on a training file, as OpenAI's job object."""

    class Status(models.TextChoices):
        VALIDATING_FILES = "validating_files", _("Validating files")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATUSES = (Status.VALIDATING_FILES, Status.QUEUED, Status.RUNNING)
    TERMINAL_STATUSES = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    id = models.CharField(primary_key=True, max_length=40, default=new_job_id, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="finetuning_jobs")
    base_model = models.ForeignKey("registry.HostedModel", on_delete=models.PROTECT, related_name="finetuning_jobs")
    training_file = models.ForeignKey(TrainingFile, on_delete=models.PROTECT, related_name="+")
    validation_file = models.ForeignKey(TrainingFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.VALIDATING_FILES)
    # Resolved values (n_epochs, batch_size, learning_rate_multiplier, rank): "auto" is
    # replaced by the value used, as OpenAI's API shows it.
    hyperparameters = models.JSONField(default=dict)
    suffix = models.CharField(max_length=64, blank=True)
    seed = models.BigIntegerField()
    idempotency_key = models.CharField(max_length=255, blank=True)
    error = models.JSONField(null=True, blank=True)
    fine_tuned_model = models.CharField(max_length=200, blank=True)
    result_model = models.ForeignKey(
        "registry.HostedModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Progress, written by the worker.
    step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    trained_tokens = models.PositiveBigIntegerField(default=0)
    estimated_finish = models.DateTimeField(null=True, blank=True)
    # The community recipe this job was forked from (its id, not a key: fine-tuning does not
    # know the recipes app; that app counts forks from the activities that carry it).
    recipe = models.PositiveIntegerField(null=True, blank=True)
    # Crash safety: which dispatch may run the job, how often it has started, who runs
    # it and when it last proved to be alive.
    dispatch_id = models.CharField(max_length=40, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Metering and credits.
    estimated_tokens = models.PositiveBigIntegerField(default=0)
    estimated_device_seconds = models.FloatField(default=0.0)
    estimated_cost = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0"))
    device_seconds = models.FloatField(default=0.0)
    charged_credits = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0"))
    settled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = FineTuningJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="finetuning_job_unique_idempotency_key",
            )
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self):
        return self.id

    def get_absolute_url(self):
        return reverse("finetuning:job_detail", kwargs={"job_id": self.id})

    @property
    def is_terminal(self) -> bool:
        return self.status in self.TERMINAL_STATUSES

    @property
    def tokens_per_epoch(self) -> int:
        """One epoch's tokens, as the base model's tokenizer counts the training file."""
        return self.estimated_tokens // max(1, self.hyperparameters.get("n_epochs") or 1)

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total_steps:
            return 0
        return min(100, int(100 * self.step / self.total_steps))


class FineTuningJobEvent(models.Model):
    """A line of a job's log; `metrics` events carry per-step figures in `data`."""

    class Level(models.TextChoices):
        INFO = "info", _("Info")
        WARN = "warn", _("Warning")
        ERROR = "error", _("Error")

    class Type(models.TextChoices):
        MESSAGE = "message", _("Message")
        METRICS = "metrics", _("Metrics")

    job = models.ForeignKey(FineTuningJob, on_delete=models.CASCADE, related_name="events")
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.MESSAGE)
    message = models.TextField()
    data = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        # The auto id orders events written in the same microsecond.
        ordering = ["-id"]

    def __str__(self):
        return f"{self.job_id}: {self.message}"

    @property
    def public_id(self) -> str:
        return f"ftevent-{self.pk}"


class FineTuningCheckpoint(models.Model):
    """Adapter, optimizer and scheduler state saved every N steps; a job resumes from its last."""

    id = models.CharField(primary_key=True, max_length=40, default=new_checkpoint_id, editable=False)
    job = models.ForeignKey(FineTuningJob, on_delete=models.CASCADE, related_name="checkpoints")
    step = models.PositiveIntegerField()
    path = models.CharField(max_length=500)
    metrics = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-step"]
        constraints = [models.UniqueConstraint(fields=["job", "step"], name="finetuning_checkpoint_unique_step")]

    def __str__(self):
        return f"{self.job_id}@{self.step}"


class WebhookEndpoint(models.Model):
    """Where an account wants job state changes POSTed, signed with its secret."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoint")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=80, default=new_webhook_secret)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event sent (or being retried) to an endpoint; the developer sees this log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=60, unique=True)
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"{self.event_type} → {self.endpoint_id}"
