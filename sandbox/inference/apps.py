from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "sandbox.inference"
    label = "inference"
    verbose_name = "Inference engine"
