"""Screenshot uploads: checked by their content (``portal.images``: PNG, JPEG and WebP
within a size in bytes and in pixels, re-encoded so that metadata and anything appended
are dropped), stored under a name we generate."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from portal.images import MAX_BYTES, MAX_PIXELS, CheckedImage, image_upload_check

MAX_SCREENSHOTS = 6


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def screenshot_check(file) -> CheckedImage:
    """The upload re-encoded, or a ValidationError saying what is wrong with it."""
    return image_upload_check(
        file,
        too_big=_("Screenshots can be at most %(mb)s MB."),
        max_bytes=_limit("SHOWCASE_SCREENSHOT_MAX_BYTES", MAX_BYTES),
        max_pixels=_limit("SHOWCASE_SCREENSHOT_MAX_PIXELS", MAX_PIXELS),
    )
