from decimal import Decimal

import pytest

from portal.billing.models import CreditEntry
from portal.billing.services import (
    InsufficientCredits,
    credits_balance,
    credits_charge,
    credits_grant,
    credits_grant_monthly,
)

pytestmark = pytest.mark.django_db


def test_ledger_balance_grant_and_charge(user):
    assert credits_balance(user=user) == 0
    credits_grant(user=user, amount=Decimal("10"), reason="welcome")
    credits_charge(user=user, amount=Decimal("2.5"), reason="fine-tuning job 1", reference="ft:1")
    assert credits_balance(user=user) == Decimal("7.5")
    # The same reference charges once.
    credits_charge(user=user, amount=Decimal("2.5"), reason="fine-tuning job 1", reference="ft:1")
    assert credits_balance(user=user) == Decimal("7.5")
    assert list(CreditEntry.objects.filter(user=user).values_list("amount", flat=True)) == [Decimal("-2.5"), 10]


def test_charge_beyond_balance_raises_and_changes_nothing(user):
    credits_grant(user=user, amount=1, reason="x")
    with pytest.raises(InsufficientCredits):
        credits_charge(user=user, amount=2, reason="too much")
    assert credits_balance(user=user) == 1
    credits_charge(user=user, amount=2, reason="metered usage", allow_overdraft=True)
    assert credits_balance(user=user) == -1


def test_monthly_grant_once_per_month(user, settings):
    settings.CREDITS_MONTHLY_FREE_GRANT = Decimal("5")
    credits_grant_monthly(user=user)
    credits_grant_monthly(user=user)
    assert credits_balance(user=user) == 5
