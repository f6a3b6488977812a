from django.db.models import QuerySet

from .models import CreditEntry

# The ledger's kinds, for apps that write to it through the services (the store's "reward").
CreditKind = CreditEntry.Kind


def credit_entries_for_user(*, user) -> QuerySet[CreditEntry]:
    return CreditEntry.objects.filter(user=user).order_by("-id")


def monthly_grant_this_month(*, user) -> CreditEntry | None:
    """This month's free grant to ``user``, or None while it has not been given."""
    from .services import monthly_grant_reference

    return CreditEntry.objects.filter(user=user, reference=monthly_grant_reference()).first()
