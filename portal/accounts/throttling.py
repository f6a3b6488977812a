"""How django-axes names the account of a login attempt (settings.AXES_USERNAME_CALLABLE)."""


def login_identifier(request, credentials: dict | None) -> str | None:
    """The email address tried, lower-cased so that case variants count as one account.

    allauth authenticates with ``email=...``; its login form posts the address as ``login``.
    """
    value = (credentials or {}).get("email") or (credentials or {}).get("username")
    if not value and request is not None:
        data = getattr(request, "data", None) or request.POST
        value = data.get("login")
    return value.strip().lower() if value else None
