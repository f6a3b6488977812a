"""Versions for values cached between the writes that change them.

A cached value is stored with the version of what it shows, read before the database
was; a reader keeps it only while that version is current. A write moves the version
(:func:`move`), so a value read before the write, even one cached just after it, is
never served again. Used for permission sets and users (accounts), the forums' page
blocks and the bell's count.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
UNSET = "0"  # the version of a key never moved (or expired)


def get_or_compute(key: str, version_keys: Sequence[str], compute: Callable[[], T], timeout: float) -> T:
    """The value cached at `key` while the versions it was stamped with are current, else
    `compute()`, cached under the versions read before it ran (one round trip to read)."""
    found = cache.get_many([*version_keys, key])
    versions = tuple(found.get(k, UNSET) for k in version_keys)
    entry = found.get(key)
    if entry is not None and entry[0] == versions:
        return entry[1]
    value = compute()
    cache.set(key, (versions, value), timeout)
    return value


def move(*keys: str, timeout: float | None = None) -> None:
    """Give each version key a new value: now, and again when the current transaction
    commits, so no reader can cache the state before the commit under the new version.
    A version with a `timeout` must outlive every value cached under the one before it."""

    def bump() -> None:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout)

    if keys:
        bump()
        transaction.on_commit(bump)
