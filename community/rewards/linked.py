"""Accounts that look linked: one person's accounts must not earn from each other.

Two accounts are linked when a session of each ever carried the same device cookie
(``device_hash``), or when they signed up from the same IP address (``ip_hash``) within
``REWARDS_LINKED_SIGNUP_WINDOW`` of each other. The hashes come from the accounts app's
``account.signed_up`` and ``account.logged_in`` activities (keyed with SECRET_KEY, never
the raw values) and are kept in ``AccountSignal``.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

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
    if user_id == other_id:
        return True
    mine = AccountSignal.objects.filter(user_id=user_id)
    window = settings.REWARDS_LINKED_SIGNUP_WINDOW
    close_signup = mine.filter(
        signed_up=True,
        ip_hash=OuterRef("ip_hash"),
        first_seen__gte=OuterRef("first_seen") - window,
        first_seen__lte=OuterRef("first_seen") + window,
    )
    same_device = Q(device_hash__in=mine.exclude(device_hash="").values("device_hash"))
    signed_up_close = Q(signed_up=True, ip_hash__gt="") & Q(Exists(close_signup))
    return AccountSignal.objects.filter(same_device | signed_up_close, user_id=other_id).exists()
