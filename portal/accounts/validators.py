"""Validation of what developers put on their public profile."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

HANDLE_MIN_LENGTH = 3
HANDLE_MAX_LENGTH = 39

# Handles become URLs (/u/<handle>/) and @mentions: words that name the site's own
# pages, roles or staff would mislead readers.
RESERVED_HANDLES = frozenset(
    {
        "about",
        "abuse",
        "account",
        "accounts",
        "admin",
        "administrator",
        "admins",
        "api",
        "app",
        "apps",
        "assets",
        "atrium",
        "auth",
        "billing",
        "blog",
        "community",
        "contact",
        "dashboard",
        "deleted",
        "deleted-user",
        "developer",
        "developers",
        "docs",
        "edit",
        "email",
        "explore",
        "faq",
        "forum",
        "forums",
        "ghost",
        "help",
        "home",
        "jobs",
        "keys",
        "legal",
        "login",
        "logout",
        "me",
        "media",
        "mod",
        "moderator",
        "moderators",
        "models",
        "new",
        "news",
        "noreply",
        "no-reply",
        "null",
        "official",
        "owner",
        "password",
        "playground",
        "privacy",
        "profile",
        "root",
        "security",
        "settings",
        "signin",
        "signout",
        "signup",
        "sitemap",
        "staff",
        "static",
        "status",
        "support",
        "system",
        "team",
        "terms",
        "undefined",
        "unknown",
        "user",
        "users",
        "v1",
        "webmaster",
        "www",
    }
)

handle_format_validator = RegexValidator(
    regex=rf"\A[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){{{HANDLE_MIN_LENGTH - 1},{HANDLE_MAX_LENGTH - 1}}}\Z",
    message=_("Use 3 to 39 lowercase letters, digits or single hyphens, starting and ending with a letter or digit."),
    code="invalid_handle",
)


def validate_handle_not_reserved(value: str) -> None:
    if value.lower() in RESERVED_HANDLES:
        raise ValidationError(
            _("“%(handle)s” is reserved. Please choose another handle."),
            code="reserved_handle",
            params={"handle": value},
        )


def validate_github_url(value: str) -> None:
    """A link to a GitHub profile or repository: https://github.com/<owner>[/...]."""
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or host not in {"github.com", "www.github.com"} or not parts.path.strip("/"):
        raise ValidationError(_("Enter a GitHub link such as https://github.com/your-name."), code="invalid_github_url")
