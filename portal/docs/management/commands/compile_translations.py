"""Compile the site's .po catalogues to .mo with polib (no gettext tools needed)."""

from django.core.management.base import BaseCommand

from portal.docs.translations import catalogue_compile, catalogues


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/django.po to .mo (pure Python, via polib)."

    def handle(self, *args, **options):
        for po_path in catalogues():
            self.stdout.write(f"compiled {catalogue_compile(po_path)}")
