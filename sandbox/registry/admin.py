from django.contrib import admin

from .models import HostedModel


@admin.register(HostedModel)
class HostedModelAdmin(admin.ModelAdmin):
    """Managers register models here: any HF causal LM by repo id or local path, served with its chat template."""

    list_display = (
        "model_id",
        "task",
        "backend",
        "status",
        "context_length",
        "price_per_1k_tokens",
        "owner",
        "created_at",
    )
    list_filter = ("task", "backend", "status", ("owner", admin.EmptyFieldListFilter))
    search_fields = ("model_id", "display_name", "source", "owner__email")
    raw_id_fields = ("owner", "base_model")
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("model_id", "display_name", "task", "backend", "status")}),
        (
            "Weights",
            {
                "fields": ("source", "revision", "base_model", "adapter_path"),
                "description": "A Hugging Face repo id (e.g. gpt2), a local HF-format directory, or "
                "atrium:&lt;name&gt; for a built-in default.",
            },
        ),
        ("Limits and price", {"fields": ("context_length", "max_output_tokens", "price_per_1k_tokens")}),
        ("Card", {"fields": ("card",)}),
        ("Ownership", {"fields": ("owner", "created_at")}),
    )
