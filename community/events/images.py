"""Cover image uploads: checked by their content, never by their name or declared type.

Pillow identifies the file; only PNG, JPEG and WebP pass, within a size in bytes and in
pixels (decompression bombs refused before decoding). What is stored is Pillow's own
re-encoding of the pixels (metadata and anything appended dropped), under a name we generate.
"""

from __future__ import annotations

import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 16_000_000
MAX_SIDE = 8000
_NOT_IMAGE = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


def cover_check(file) -> ContentFile:
    """The upload re-encoded as a ContentFile with a generated name, or a ValidationError."""
    if file.size > MAX_BYTES:
        raise ValidationError(
            _("A cover image can be at most %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}, code="too_big"
        )
    file.seek(0)
    try:
        with Image.open(file) as probe:
            kind, (width, height) = probe.format, probe.size
            probe.verify()
    except _NOT_IMAGE as exc:
        raise ValidationError(_("That file is not a PNG, JPEG or WebP image."), code="not_image") from exc
    if kind not in FORMATS:
        raise ValidationError(_("Upload a PNG, JPEG or WebP image."), code="format")
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise ValidationError(_("That image is too large."), code="too_many_pixels")
    file.seek(0)
    try:
        with Image.open(file) as img:
            img = ImageOps.exif_transpose(img)
            img.load()
            if kind == "JPEG" and img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            elif img.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                img = img.convert("RGBA")
            out = io.BytesIO()
            img.save(out, format=kind, **({"quality": 88} if kind in ("JPEG", "WEBP") else {"optimize": True}))
    except _NOT_IMAGE as exc:
        raise ValidationError(_("That file is not a PNG, JPEG or WebP image."), code="not_image") from exc
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(16)}.{FORMATS[kind]}")
