"""Atrium's roles, kept as Django groups whose permissions follow the installed apps.

``sync_roles()`` runs after every ``migrate`` (and the test suite's flushes), so the
permissions of apps added later are picked up by app label and codename without a
migration per app:

- Developer: everyone who signs up; no staff permissions.
- Moderator: the forums app's moderation permissions (its custom ``Meta.permissions``).
- Community manager: staff; view every model, change the community, registry and docs
  models, and moderate the forums.
- Admin: staff with every permission.

A user holds exactly one role; ``portal.accounts.services.user_set_role`` changes it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_ACTIONS = ("add", "change", "delete", "view")
# App labels whose models community managers edit, besides every app of the
# `community` package (forums, rewards, events, showcase, ...).
MANAGED_APP_LABELS = {"registry", "docs"}
MODERATION_APP_LABEL = "forums"


class Role(models.TextChoices):
    """The value is the name of the role's group."""

    DEVELOPER = "Developer", _("Developer")
    MODERATOR = "Moderator", _("Moderator")
    COMMUNITY_MANAGER = "Community manager", _("Community manager")
    ADMIN = "Admin", _("Admin")

    @property
    def is_staff(self) -> bool:
        return self in (Role.COMMUNITY_MANAGER, Role.ADMIN)


# Highest first: a user found in several role groups counts as the highest.
ROLE_PRECEDENCE = [Role.ADMIN, Role.COMMUNITY_MANAGER, Role.MODERATOR, Role.DEVELOPER]


def _is_default_permission(permission: Permission) -> bool:
    model = permission.content_type.model
    return permission.codename in {f"{action}_{model}" for action in DEFAULT_ACTIONS}


def _managed_app_labels() -> set[str]:
    labels = set(MANAGED_APP_LABELS)
    labels.update(config.label for config in apps.get_app_configs() if config.name.startswith("community."))
    return labels


def moderation_permissions(permissions: Iterable[Permission]) -> list[Permission]:
    """The forums app's own permissions (moderate_post, lock_thread, ...), if it has any."""
    return [
        p for p in permissions if p.content_type.app_label == MODERATION_APP_LABEL and not _is_default_permission(p)
    ]


def role_permissions(role: Role, permissions: list[Permission]) -> list[Permission]:
    """Which of ``permissions`` the role's group holds."""
    if role == Role.ADMIN:
        return list(permissions)
    if role == Role.DEVELOPER:
        return []
    moderation = moderation_permissions(permissions)
    if role == Role.MODERATOR:
        return moderation
    managed = _managed_app_labels()
    manager = [
        p
        for p in permissions
        if p.codename.startswith("view_")
        or (p.codename.startswith("change_") and p.content_type.app_label in managed and _is_default_permission(p))
    ]
    return list({p.pk: p for p in manager + moderation}.values())


def sync_roles() -> None:
    """Create the role groups and set their permissions from the installed apps."""
    permissions = list(Permission.objects.select_related("content_type"))
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        group.permissions.set(role_permissions(role, permissions))


def role_of(user) -> Role | None:
    """The user's role: the highest role group they are in (None if in none)."""
    names = {group.name for group in user.groups.all()}
    return next((role for role in ROLE_PRECEDENCE if role.value in names), None)
