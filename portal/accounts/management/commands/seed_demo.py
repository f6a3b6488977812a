"""Load demo data: accounts, and whatever each app's `demo.seed()` adds. Idempotent."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create the demo accounts and each app's demo data (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            try:
                demo = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            demo.seed(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
