"""Identicons drawn on the server from the handle: no external avatar service."""

import hashlib

import pydenticon
from django.core.cache import cache

AVATAR_SIZES = (32, 64, 128, 256)
DEFAULT_AVATAR_SIZE = 128

# Saturated colours that keep contrast on the light background.
FOREGROUND = [
    "#2f6fdf",
    "#7048e8",
    "#c2255c",
    "#0c8599",
    "#2b8a3e",
    "#e8590c",
    "#5c7cfa",
    "#ae3ec9",
    "#087f5b",
    "#d6336c",
]
BACKGROUND = "#f1f3f5"

_generator = pydenticon.Generator(5, 5, digest=hashlib.sha1, foreground=FOREGROUND, background=BACKGROUND)


def avatar_size(requested: str | None) -> int:
    """The nearest supported size at or above the one asked for (default 128 px)."""
    try:
        wanted = int(requested)
    except (TypeError, ValueError):
        return DEFAULT_AVATAR_SIZE
    return next((size for size in AVATAR_SIZES if size >= wanted), AVATAR_SIZES[-1])


def avatar_png(*, handle: str, size: int = DEFAULT_AVATAR_SIZE) -> bytes:
    """The PNG identicon of a handle: the same handle always draws the same picture."""
    key = f"accounts:avatar:v2:{size}:{handle}"
    png = cache.get(key)
    if png is None:
        padding = size // 10  # pydenticon adds the padding around the drawn size
        inner = size - 2 * padding
        png = _generator.generate(handle, inner, inner, padding=(padding,) * 4, output_format="png")
        cache.set(key, png, timeout=7 * 24 * 3600)
    return png
