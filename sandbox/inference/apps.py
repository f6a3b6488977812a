from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "sandbox.inference"
    label = "inference"
    verbose_name = "Inference engine"

    def ready(self):
        from . import warmup  # noqa: F401  (connects the worker_ready handler)
        from .defaults import smollm2  # noqa: F401  (declares the default models' shipped names and cards)
