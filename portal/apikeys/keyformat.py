"""The API key format: ``atr_live_`` + 32 random base62 characters + a 6-character
checksum (GitHub-token style).

32 base62 characters carry ~190 random bits. The checksum (CRC32 of the random part,
in base62) lets the gateway refuse a mistyped or made-up key without a database query,
and lets secret scanners tell a real Atrium key from a lookalike.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib

PREFIX = "atr_live_"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RANDOM_LENGTH = 32
CHECKSUM_LENGTH = 6
# How much of the secret stays visible in lists ("atr_live_Ab12Cd").
VISIBLE_RANDOM_CHARS = 6
REDACTED = f"{PREFIX}****REDACTED****"
KEY_PATTERN = re.compile(rf"{PREFIX}[0-9A-Za-z]{{{RANDOM_LENGTH + CHECKSUM_LENGTH}}}(?![0-9A-Za-z])")
# A key, or what is left of one after a typo: enough of it to leak its secret part.
KEYLIKE_PATTERN = re.compile(rf"{PREFIX}[0-9A-Za-z]{{8,}}")


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        digits.append(ALPHABET[rest])
    return "".join(reversed(digits))


def checksum(random_part: str) -> str:
    return _base62(zlib.crc32(random_part.encode()), CHECKSUM_LENGTH)


def generate() -> str:
    """A new plaintext secret."""
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{PREFIX}{random_part}{checksum(random_part)}"


def is_well_formed(secret: str) -> bool:
    """True when ``secret`` has the shape and a valid checksum (no database involved)."""
    if len(secret) != len(PREFIX) + RANDOM_LENGTH + CHECKSUM_LENGTH or not KEY_PATTERN.fullmatch(secret):
        return False
    body = secret[len(PREFIX) :]
    return secrets.compare_digest(checksum(body[:RANDOM_LENGTH]), body[RANDOM_LENGTH:])


def redact_keylike(text: str) -> str:
    """``text`` with anything shaped like a key, valid or mistyped, replaced by REDACTED.

    For what a client sends in a field that we keep (a `model` name on a metered call):
    a key pasted into the wrong field must not be stored.
    """
    return KEYLIKE_PATTERN.sub(REDACTED, text) if PREFIX in text else text


def hash_secret(secret: str) -> str:
    """What is stored. Keys carry 190 random bits, so a fast hash cannot be brute-forced."""
    return hashlib.sha256(secret.encode()).hexdigest()


def visible_prefix(secret: str) -> str:
    return secret[: len(PREFIX) + VISIBLE_RANDOM_CHARS]
