"""What the gateway needs to know about a key, cached in Redis by the secret's hash.

Revocation and rolling overwrite the entry (after commit), so every web process sees
the change on its next request; a lookup that missed the cache writes its entry only
if none exists (SET NX), so a slow reader can never put back a stale, live-looking
entry over a revocation.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

CACHE_SECONDS = 60


def cache_key(secret_hash: str) -> str:
    return f"atrium:apikey:{secret_hash}"


@dataclass(frozen=True)
class KeyGrant:
    """A key as the gateway sees it. ``expires_at`` is a Unix timestamp or None."""

    key_id: int
    user_id: int
    scopes: tuple[str, ...]
    expires_at: float | None
    revoked: bool
    rate_limit_rpm: int | None = None
    rate_limit_tpm: int | None = None
    # Days the request log keeps this key's request and response bodies (0: none).
    log_bodies_days: int = 0

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, raw: bytes | str) -> KeyGrant:
        data = json.loads(raw)
        data["scopes"] = tuple(data["scopes"])
        return cls(**data)

    @classmethod
    def from_key(cls, key) -> KeyGrant:
        return cls(
            key_id=key.pk,
            user_id=key.user_id,
            scopes=tuple(key.scopes),
            expires_at=key.expires_at.timestamp() if key.expires_at else None,
            revoked=key.revoked_at is not None or not key.user.is_active,
            rate_limit_rpm=key.rate_limit_rpm,
            rate_limit_tpm=key.rate_limit_tpm,
            log_bodies_days=key.log_bodies_days,
        )


def publish(key) -> None:
    """Overwrite the cached entry with the key's current state (revoke, roll, edit)."""
    from portal.redis_client import get_redis

    get_redis().set(cache_key(key.secret_hash), KeyGrant.from_key(key).dumps(), ex=CACHE_SECONDS)
