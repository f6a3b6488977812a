from django.db.models import QuerySet

from .models import CreditEntry


def credit_entries_for_user(*, user) -> QuerySet[CreditEntry]:
    return CreditEntry.objects.filter(user=user).order_by("-id")
