"""Image uploads (event covers, showcase screenshots): checked by their content, never by
their name or declared type.

Pillow identifies the file; only PNG, JPEG and WebP pass, within a size in bytes and in
pixels (decompression bombs refused before decoding). What is stored is Pillow's own
re-encoding of the pixels, so metadata (a phone's GPS position) and anything appended to
the file (a script in a polyglot) are dropped, under a name we generate.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's format name: (extension, content type).
FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 16_000_000  # e.g. 4000 x 4000
MAX_SIDE = 8000
_NOT_IMAGE = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)


@dataclass(frozen=True)
class CheckedImage:
    content: ContentFile
    token: str
    extension: str
    content_type: str
    width: int
    height: int


def image_upload_check(
    file, *, too_big: str, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS, quality: int = 90
) -> CheckedImage:
    """The upload re-encoded, or a ValidationError saying what is wrong with it.
    ``too_big``: the message for a file over ``max_bytes`` (with ``%(mb)s``)."""
    if file.size > max_bytes:
        raise ValidationError(too_big % {"mb": max_bytes // (1024 * 1024)}, code="too_big")
    file.seek(0)
    try:
        with Image.open(file) as probe:
            kind, (width, height) = probe.format, probe.size
            probe.verify()
    except _NOT_IMAGE as exc:
        raise ValidationError(_("That file is not a PNG, JPEG or WebP image."), code="not_image") from exc
    if kind not in FORMATS:
        raise ValidationError(_("Upload a PNG, JPEG or WebP image."), code="format")
    if width * height > max_pixels or max(width, height) > MAX_SIDE:
        raise ValidationError(
            _("That image is too large: at most %(pixels)s million pixels and %(side)s pixels a side.")
            % {"pixels": max_pixels // 1_000_000, "side": MAX_SIDE},
            code="too_many_pixels",
        )
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
            img.save(out, format=kind, **({"quality": quality} if kind in ("JPEG", "WEBP") else {"optimize": True}))
            width, height = img.size
    except _NOT_IMAGE as exc:
        raise ValidationError(_("That file is not a PNG, JPEG or WebP image."), code="not_image") from exc
    extension, content_type = FORMATS[kind]
    token = secrets.token_hex(16)
    return CheckedImage(
        content=ContentFile(out.getvalue(), name=f"{token}.{extension}"),
        token=token,
        extension=extension,
        content_type=content_type,
        width=width,
        height=height,
    )
