"""Writes for API keys: create, revoke, roll, and the leaked-key response."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from community.activity.services import activity_record

from . import cache, keyformat
from .models import ApiKey

logger = logging.getLogger(__name__)

# Roll overlaps offered on the keys page (how long the old secret keeps working).
ROLL_OVERLAPS = {
    "0": timedelta(0),
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
}


def api_key_create(
    *,
    user,
    name: str,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
    log_bodies_days: int = 0,
) -> tuple[ApiKey, str]:
    """Create a key for ``user``; returns it with the plaintext secret (shown once, never stored)."""
    from portal.billing.services import credits_grant_monthly

    secret = keyformat.generate()
    key = ApiKey(
        user=user,
        name=name.strip(),
        prefix=keyformat.visible_prefix(secret),
        last_four=secret[-4:],
        secret_hash=keyformat.hash_secret(secret),
        scopes=sorted(set(scopes)) if scopes else list(ApiKey.DEFAULT_SCOPES),
        expires_at=expires_at,
        log_bodies_days=log_bodies_days,
    )
    key.full_clean()
    if expires_at is not None and expires_at <= timezone.now():
        from django.core.exceptions import ValidationError

        raise ValidationError({"expires_at": "The expiry must be in the future."})
    key.save()
    # A developer's first key comes with this month's free credits.
    credits_grant_monthly(user=user)
    activity_record(
        actor=user,
        verb="apikey.created",
        target=key,
        properties={"scopes": key.scopes},
        dedupe_key=f"apikey.created:{key.pk}",
    )
    return key, secret


def api_key_update(*, key: ApiKey, name: str, log_bodies_days: int) -> ApiKey:
    """Rename a key and choose how long the request log keeps its calls' bodies (0: not at all).

    The gateway reads the choice from its cached grant, rewritten here (after commit too).
    """
    key.name = name.strip()
    key.log_bodies_days = log_bodies_days
    key.full_clean()
    key.save(update_fields=["name", "log_bodies_days"])
    cache.publish(key)
    transaction.on_commit(lambda: cache.publish(key))
    return key


def api_key_revoke(*, key: ApiKey, reason: str = "owner") -> ApiKey:
    """Stop the key at once: the database row and the gateway's cache entry.

    ``reason`` says why for the activity stream: "owner" or "leaked".
    """
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        activity_record(
            actor=key.user_id,
            verb="apikey.revoked",
            target=key,
            properties={"reason": reason},
            dedupe_key=f"apikey.revoked:{key.pk}",
        )
    cache.publish(key)
    transaction.on_commit(lambda: cache.publish(key))
    return key


def api_key_roll(*, key: ApiKey, overlap: timedelta = timedelta(0)) -> tuple[ApiKey, str]:
    """Replace ``key`` with a new secret (same name, scopes, limits); the old one stops after ``overlap``.

    A revoked key (e.g. one found leaked) can be rolled too: its replacement starts now.
    """
    with transaction.atomic():
        new_key, secret = api_key_create(user=key.user, name=key.name, scopes=list(key.scopes), expires_at=None)
        new_key.rate_limit_rpm, new_key.rate_limit_tpm = key.rate_limit_rpm, key.rate_limit_tpm
        new_key.log_bodies_days = key.log_bodies_days
        new_key.save(update_fields=["rate_limit_rpm", "rate_limit_tpm", "log_bodies_days"])
        if key.revoked_at is None:
            ends = timezone.now() + overlap
            if overlap <= timedelta(0):
                key.revoked_at = ends
            if key.expires_at is None or key.expires_at > ends:
                key.expires_at = ends
        key.replaced_by = new_key
        key.save(update_fields=["revoked_at", "expires_at", "replaced_by"])
        transaction.on_commit(lambda: cache.publish(key))
    cache.publish(key)
    return new_key, secret


def _notify_leak(*, key: ApiKey, source_url: str) -> None:
    roll_url = settings.SITE_URL.rstrip("/") + reverse("apikeys:roll", kwargs={"pk": key.pk})
    where = f" at {source_url}" if source_url else ""
    send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Your API key {key.masked} was found in public and revoked",
        message=(
            f"We found your API key “{key.name}” ({key.masked}) posted publicly{where}.\n\n"
            "To protect your account we revoked it immediately: calls with it now fail with 401.\n\n"
            f"Create a replacement with the same name and scopes in one click:\n{roll_url}\n"
        ),
        from_email=None,
        recipient_list=[key.user.email],
    )


def api_keys_redact_leaked(*, text: str, source_url: str = "") -> str:
    """Find checksum-valid Atrium keys in ``text``: revoke each live one, email its owner
    a one-click roll link, and return ``text`` with every such key redacted."""
    found = {m.group(0) for m in keyformat.KEY_PATTERN.finditer(text)}
    valid = {s for s in found if keyformat.is_well_formed(s)}
    if not valid:
        return text
    hashes = {keyformat.hash_secret(s): s for s in valid}
    for key in ApiKey.objects.live().filter(secret_hash__in=hashes).select_related("user"):
        api_key_revoke(key=key, reason="leaked")
        logger.warning("API key %s (id %s) found in public and revoked", key.masked, key.pk)
        transaction.on_commit(lambda key=key: _notify_leak(key=key, source_url=source_url))
    for secret in valid:
        text = text.replace(secret, keyformat.REDACTED)
    return text


def api_keys_mark_used(*, last_used: dict[int, datetime]) -> None:
    """Move each key's ``last_used_at`` forward to the time given (never back): the
    metering app reports the latest call per key from each batch it stores."""
    from django.db.models import Q

    for key_id, moment in last_used.items():
        ApiKey.objects.filter(pk=key_id).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=moment)).update(
            last_used_at=moment
        )
