"""Cover image uploads: checked by their content (``portal.images``), re-encoded, stored
under a name we generate."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from portal.images import image_upload_check


def cover_check(file) -> ContentFile:
    """The upload re-encoded as a ContentFile with a generated name, or a ValidationError."""
    return image_upload_check(file, too_big=_("A cover image can be at most %(mb)s MB."), quality=88).content
