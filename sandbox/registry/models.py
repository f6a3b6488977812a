from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class HostedModelQuerySet(models.QuerySet):
    def available(self):
        return self.filter(status=HostedModel.Status.AVAILABLE)

    def visible_to(self, user):
        """Public models, plus the caller's own private ones (fine-tuned `ft:` models)."""
        if user is None or not user.is_authenticated:
            return self.filter(owner__isnull=True)
        return self.filter(models.Q(owner__isnull=True) | models.Q(owner=user))


class HostedModel(models.Model):
    """A model callable through /v1, served by workers of the `inference` queue."""

    class Task(models.TextChoices):
        CHAT = "chat", _("Chat and completions")
        EMBEDDINGS = "embeddings", _("Embeddings")

    class Backend(models.TextChoices):
        ECHO = "echo", _("Echo (testing)")
        CAUSAL_LM = "causal-lm", _("Hugging Face causal LM")
        SENTENCE_EMBEDDING = "sentence-embedding", _("Sentence embedding")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        DISABLED = "disabled", _("Disabled")

    model_id = models.CharField(
        max_length=200, unique=True, help_text=_("The name clients pass as `model`, e.g. smollm2-135m-instruct.")
    )
    display_name = models.CharField(max_length=200, blank=True)
    task = models.CharField(max_length=20, choices=Task.choices, default=Task.CHAT)
    backend = models.CharField(max_length=30, choices=Backend.choices, default=Backend.CAUSAL_LM)
    source = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("Hugging Face repo id (e.g. gpt2) or a local directory in HF format."),
    )
    revision = models.CharField(max_length=100, blank=True)
    context_length = models.PositiveIntegerField(default=1024)
    max_output_tokens = models.PositiveIntegerField(default=512)
    price_per_1k_tokens = models.DecimalField(
        max_digits=10, decimal_places=6, default=Decimal("0.0"), help_text=_("Credits charged per 1,000 tokens.")
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AVAILABLE)
    card = models.TextField(blank=True, help_text=_("Model card in Markdown (from the model's README)."))
    # Fine-tuned models belong to one account; base models are public (owner empty).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="hosted_models"
    )
    base_model = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="derived")
    adapter_path = models.CharField(max_length=500, blank=True, help_text=_("LoRA adapter applied over base_model."))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = HostedModelQuerySet.as_manager()

    class Meta:
        ordering = ["model_id"]

    def __str__(self):
        return self.model_id

    def get_absolute_url(self):
        return reverse("registry:detail", kwargs={"model_id": self.model_id})

    def clean(self):
        if self.adapter_path and not self.base_model_id:
            raise ValidationError({"base_model": _("An adapter needs the base model it applies to.")})

    @property
    def owned_by(self) -> str:
        """The `owned_by` field of OpenAI's model object."""
        return "atrium" if self.owner_id is None else f"user-{self.owner_id}"
