"""Accounts that look linked: one person's accounts must not earn from each other.

Two accounts are linked when a session of each ever carried the same device cookie
(``device_hash``), or when they signed up from the same IP address (``ip_hash``) within
``REWARDS_LINKED_SIGNUP_WINDOW`` of each other. The hashes come from the accounts app's
``account.signed_up`` and ``account.logged_in`` activities (keyed with SECRET_KEY, never
the raw values) and are kept in ``AccountSignal``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from .models import AccountSignal


def account_signal_record(*, user_id: int, ip_hash: str, device_hash: str, signed_up: bool, seen_at: datetime) -> None:
    """Remember that the account was seen with these hashes (one row per combination)."""
    if not ip_hash and not device_hash:
        return
    ip_hash, device_hash = ip_hash[:64], device_hash[:64]
    rows = AccountSignal.objects.filter(user_id=user_id, ip_hash=ip_hash, device_hash=device_hash, signed_up=signed_up)
    if rows.filter(last_seen__lt=seen_at).update(last_seen=seen_at) or rows.exists():
        return
    try:
        with transaction.atomic():
            AccountSignal.objects.create(
                user_id=user_id,
                ip_hash=ip_hash,
                device_hash=device_hash,
                signed_up=signed_up,
                first_seen=seen_at,
                last_seen=seen_at,
            )
    except IntegrityError:  # recorded meanwhile by another delivery
        pass


def accounts_linked(*, user_id: int, other_id: int) -> bool:
    """Whether the two accounts look like one person's (one query)."""
    return frozenset((user_id, other_id)) in linked_pairs([(user_id, other_id)])


def linked_pairs(pairs: Iterable[tuple[int, int]]) -> set[frozenset[int]]:
    """Which of these pairs of accounts look like one person's (one query, whatever the
    number of pairs: the ledger asks it for a whole batch of votes)."""
    pairs = {frozenset(pair) for pair in pairs}
    linked = {pair for pair in pairs if len(pair) == 1}  # an account and itself
    users = {pk for pair in pairs - linked for pk in pair}
    if not users:
        return linked
    devices: dict[int, set[str]] = defaultdict(set)
    signups: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    signals = AccountSignal.objects.filter(user_id__in=users).values_list(
        "user_id", "ip_hash", "device_hash", "signed_up", "first_seen"
    )
    for user_id, ip_hash, device_hash, signed_up, first_seen in signals:
        if device_hash:
            devices[user_id].add(device_hash)
        if signed_up and ip_hash:
            signups[user_id].append((ip_hash, first_seen))
    window = settings.REWARDS_LINKED_SIGNUP_WINDOW
    for pair in pairs - linked:
        one, other = pair
        close_signup = any(
            ip == other_ip and abs(seen - other_seen) <= window
            for ip, seen in signups[one]
            for other_ip, other_seen in signups[other]
        )
        if devices[one] & devices[other] or close_signup:
            linked.add(pair)
    return linked
