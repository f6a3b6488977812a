"""Categories and the tag list, created by community managers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from .. import permissions
from ..models import (
    Category,
    Tag,
)

# --- Taxonomy (community managers) ------------------------------------------------------------


def category_create(
    *,
    user,
    name: str,
    slug: str,
    description: str = "",
    color: str = "#3a2d8f",
    kind: str = "discussion",
    position: int = 100,
) -> Category:
    if not permissions.can_manage_taxonomy(user):
        raise PermissionDenied
    category = Category(name=name, slug=slug, description=description, color=color, kind=kind, position=position)
    category.full_clean()
    category.save()
    return category


def tag_create(*, user, name: str, description: str = "") -> Tag:
    if not permissions.can_manage_taxonomy(user):
        raise PermissionDenied
    from django.utils.text import slugify

    tag = Tag(name=name.strip().lower(), slug=slugify(name)[:40], description=description)
    tag.full_clean()
    tag.save()
    return tag
