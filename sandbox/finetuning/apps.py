from django.apps import AppConfig


class FinetuningConfig(AppConfig):
    name = "sandbox.finetuning"
    label = "finetuning"
    verbose_name = "Fine-tuning"
