from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.apikeys.models import ApiKey
from portal.apikeys.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for an existing account and print its secret (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--scopes",
            nargs="+",
            choices=ApiKey.Scope.values,
            default=None,
            help="Default: inference fine-tuning files.",
        )

    def handle(self, *args, email, name, scopes, **options):
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No account with the email address {email}.")
        try:
            key, secret = api_key_create(user=user, name=name, scopes=scopes)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(f"Created key “{key.name}” ({key.masked}) for {user.email}, scopes: {' '.join(key.scopes)}.")
        self.stdout.write(secret)
