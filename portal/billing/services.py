"""The credit ledger: every change to a balance is one appended CreditEntry.

Writers lock the account row, so concurrent charges never read the same balance; the
balance is mirrored in Redis (after commit) for the /v1 gateway's per-request check.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.redis_client import get_redis

from .models import REASON_MONTHLY_GRANT, CreditEntry


class InsufficientCredits(Exception):
    """The balance does not cover the charge."""

    def __init__(self, *, balance: Decimal, amount: Decimal):
        self.balance, self.amount = balance, amount
        super().__init__(f"Balance {balance} does not cover {amount}.")


def balance_cache_key(user_id: int) -> str:
    return f"atrium:credits:balance:{user_id}"


BALANCE_CACHE_SECONDS = 300


def _latest_balance(user_id: int) -> Decimal:
    latest = CreditEntry.objects.filter(user_id=user_id).order_by("-id").values_list("balance_after", flat=True).first()
    return latest if latest is not None else Decimal("0")


def credits_balance(*, user) -> Decimal:
    """The account's current balance (from the ledger, not the cache)."""
    return _latest_balance(user.pk)


def credits_balance_for_user_id(*, user_id: int) -> Decimal:
    """As credits_balance, by id (the gateway knows only the key owner's id)."""
    return _latest_balance(user_id)


async def acredits_balance(*, user_id: int, redis) -> Decimal:
    """The balance for the event loop's hot path (the gateway): the copy every ledger write
    publishes to Redis, else the ledger once (off the loop), then published for the next."""
    from portal.asyncdb import database_sync_to_async

    raw = await redis.get(balance_cache_key(user_id))
    if raw is not None:
        return Decimal(raw.decode())
    balance = await database_sync_to_async(credits_balance_for_user_id)(user_id=user_id)
    await redis.set(balance_cache_key(user_id), str(balance), ex=BALANCE_CACHE_SECONDS)
    return balance


def _publish_balance(user_id: int, balance: Decimal) -> None:
    get_redis().set(balance_cache_key(user_id), str(balance), ex=BALANCE_CACHE_SECONDS)


def _append(*, user, amount: Decimal, kind: str, reason: str, reference: str, check_funds: bool) -> CreditEntry:
    amount = Decimal(amount)
    if amount == 0:
        raise ValueError("A ledger entry needs a non-zero amount.")
    with transaction.atomic():
        # Serialise writers per account: the lock is the account row.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if reference:
            existing = CreditEntry.objects.filter(user_id=user.pk, reference=reference).first()
            if existing is not None:
                return existing
        balance = _latest_balance(user.pk)
        if check_funds and amount < 0 and balance + amount < 0:
            raise InsufficientCredits(balance=balance, amount=-amount)
        entry = CreditEntry(
            user_id=user.pk,
            kind=kind,
            amount=amount,
            balance_after=balance + amount,
            reason=reason[:200],
            reference=reference,
        )
        entry.full_clean()
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            return CreditEntry.objects.get(user_id=user.pk, reference=reference)
        transaction.on_commit(lambda: _publish_balance(user.pk, entry.balance_after))
    return entry


def credits_grant(*, user, amount, reason: str, reference: str = "", kind: str = CreditEntry.Kind.GRANT) -> CreditEntry:
    """Add credits. With a ``reference`` the grant happens at most once (idempotent)."""
    if Decimal(amount) <= 0:
        raise ValueError("A grant must be positive.")
    return _append(user=user, amount=Decimal(amount), kind=kind, reason=reason, reference=reference, check_funds=False)


def credits_charge(
    *,
    user,
    amount,
    reason: str,
    reference: str = "",
    kind: str = CreditEntry.Kind.ADJUSTMENT,
    allow_overdraft: bool = False,
) -> CreditEntry:
    """Take credits; raises InsufficientCredits when the balance does not cover ``amount``.

    Metered API usage passes ``allow_overdraft``: the tokens were already served, so the
    charge is recorded and the gateway refuses the next call instead.
    """
    if Decimal(amount) <= 0:
        raise ValueError("A charge must be positive.")
    return _append(
        user=user,
        amount=-Decimal(amount),
        kind=kind,
        reason=reason,
        reference=reference,
        check_funds=not allow_overdraft,
    )


def monthly_grant_reference(when=None) -> str:
    when = when or timezone.now()
    return f"free-grant:{when:%Y-%m}"


def credits_grant_monthly(*, user) -> CreditEntry | None:
    """This month's free grant for one account (idempotent)."""
    amount = Decimal(settings.CREDITS_MONTHLY_FREE_GRANT)
    if amount <= 0:
        return None
    now = timezone.now()
    return credits_grant(
        user=user,
        amount=amount,
        reason=REASON_MONTHLY_GRANT.format(month=f"{now:%Y-%m}"),
        reference=monthly_grant_reference(now),
    )


def credits_grant_monthly_all() -> int:
    """Give every active account this month's free grant; returns how many got one now."""
    reference = monthly_grant_reference()
    users = get_user_model().objects.filter(is_active=True).exclude(credit_entries__reference=reference)
    granted = 0
    for user in users.iterator():
        credits_grant_monthly(user=user)
        granted += 1
    return granted
