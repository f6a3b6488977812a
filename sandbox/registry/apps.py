from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "sandbox.registry"
    label = "registry"
    verbose_name = "Hosted models"
