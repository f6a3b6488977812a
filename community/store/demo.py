"""The store's demo items for `make run` (called by `manage.py seed_demo`; safe to run again).

Their names and descriptions are English in the database and shown in the reader's language
until a manager edits them (portal/shipped.py)."""

from datetime import timedelta
from decimal import Decimal

from django.utils.translation import gettext_noop

from portal.shipped import shipped_register

from .models import ItemKind, StoreItem

ITEMS = [
    {
        "slug": "compute-credits-10",
        "kind": ItemKind.CREDITS,
        "name": gettext_noop("10 compute credits"),
        "description": gettext_noop("Credits for API calls and fine-tuning, added to your balance at once."),
        "points_price": 100,
        "credit_amount": Decimal("10"),
        "position": 10,
    },
    {
        "slug": "rate-limit-boost-2x-24h",
        "kind": ItemKind.RATE_LIMIT_BOOST,
        "name": gettext_noop("Double rate limits for a day"),
        "description": gettext_noop("Twice the requests and tokens per minute on all your keys for 24 hours."),
        "points_price": 150,
        "boost_multiplier": Decimal("2"),
        "boost_duration": timedelta(hours=24),
        "position": 20,
    },
    {
        "slug": "atrium-t-shirt",
        "kind": ItemKind.PHYSICAL,
        "name": gettext_noop("Atrium T-shirt"),
        "description": gettext_noop("Organic cotton, the community's logo on the front. Shipped worldwide."),
        "points_price": 500,
        "stock": 50,
        "needs_shipping": True,
        "position": 30,
    },
]
shipped_register(*(item[field] for item in ITEMS for field in ("name", "description")))


def seed(*, stdout) -> None:
    for item in ITEMS:
        StoreItem.objects.get_or_create(slug=item["slug"], defaults={k: v for k, v in item.items() if k != "slug"})
