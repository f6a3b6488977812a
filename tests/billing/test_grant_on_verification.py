"""The free monthly credits arrive when the address is verified (the billing app reacts to
``account.email_verified``), once per account and month, whatever else grants them."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from community.activity.services import activity_record
from portal.apikeys.services import api_key_create
from portal.billing.models import CreditEntry
from portal.billing.services import credits_balance, monthly_grant_reference
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db

LINK_RE = re.compile(r"https?://\S+/accounts/confirm-email/\S+")
PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture(autouse=True)
def _grant(settings):
    settings.CREDITS_MONTHLY_FREE_GRANT = Decimal("5")


def _grants(user) -> list[CreditEntry]:
    return list(CreditEntry.objects.filter(user=user, kind=CreditEntry.Kind.GRANT))


def test_verifying_the_address_from_the_mail_grants_this_months_credits(client):
    """Sign up, open the link: before any key, the balance holds the free credits."""
    from portal.accounts.models import User

    client.post(reverse("account_signup"), {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD})
    user = User.objects.get(email="new@example.com")
    deliver()
    assert credits_balance(user=user) == 0  # signing up is not enough

    client.get(LINK_RE.search(mail.outbox[-1].body).group(0))
    deliver()
    assert credits_balance(user=user) == Decimal("5")
    [grant] = _grants(user)
    assert grant.reference == monthly_grant_reference()


def _verified(user):
    activity_record(
        actor=user,
        verb="account.email_verified",
        target=("account.emailaddress", "1"),
        dedupe_key=f"account.email_verified:{user.pk}",
    )


def test_the_grant_is_idempotent(user):
    """The activity delivered again, or another address verified, grants nothing more."""
    _verified(user)
    deliver()
    activity_record(actor=user, verb="account.email_verified", target=("account.emailaddress", "2"))
    deliver()
    assert credits_balance(user=user) == Decimal("5")
    assert len(_grants(user)) == 1


def test_a_first_key_after_verification_grants_nothing_more(user):
    _verified(user)
    deliver()
    api_key_create(user=user, name="laptop")
    deliver()
    assert credits_balance(user=user) == Decimal("5")
    assert len(_grants(user)) == 1


def test_a_key_before_verification_then_verification_grants_once(user):
    """An account verified later (an address added by staff) keeps the one grant the key gave."""
    api_key_create(user=user, name="laptop")
    _verified(user)
    deliver()
    assert len(_grants(user)) == 1
    assert credits_balance(user=user) == Decimal("5")


def test_a_deactivated_account_gets_no_grant(user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    _verified(user)
    deliver()
    assert _grants(user) == []
