"""The reader's language as a preference: a year-long cookie, and for members the account.

- Anyone: the header's chooser (and, for members, Settings) posts to ``language_set`` here,
  which sets Django's language cookie (``LANGUAGE_COOKIE_AGE``: a year, not the browser
  session); without the cookie, ``LocaleMiddleware`` follows Accept-Language.
- Members: the same choice is saved to the account (``User.language``). Logging in on any
  browser applies it (``language_apply_at_login``, from the ``user_logged_in`` signal): the
  language is activated for that response and the cookie set on it
  (``AccountLanguageMiddleware``), so every page after the login is in that language.
  A member who never chose one keeps what they chose on this browser before logging in,
  which is then saved to the account.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from portal.middleware import NoIOMiddleware

from .models import User
from .services import user_set_language

# Set on the request by the login; the middleware writes it to the response's cookie.
REQUEST_ATTRIBUTE = "account_language"


def language_supported(language: str | None) -> bool:
    return bool(language) and language in dict(settings.LANGUAGES)


def language_cookie_set(response, language: str) -> None:
    """Django's language cookie, with the settings ``set_language`` uses."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def language_apply_at_login(*, request, user: User) -> None:
    """The member's saved language applies from this login on, on this browser too."""
    if request is None:
        return
    if not language_supported(user.language):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language_supported(chosen):
            user_set_language(user=user, language=chosen)
        return
    translation.activate(user.language)
    request.LANGUAGE_CODE = user.language
    setattr(request, REQUEST_ATTRIBUTE, user.language)


@require_POST
def language_set(request):
    """The chooser's view (header, Settings): Django's ``set_language`` (the year-long cookie,
    a safe ``next`` redirect), and for a signed-in member the account's language too."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language_supported(language):
        user_set_language(user=request.user, language=language)
    return response


class AccountLanguageMiddleware(NoIOMiddleware):
    """Sets the language cookie on the response to a login that applied a saved language.

    No I/O: under ASGI it runs on the event loop (no thread hop for /v1)."""

    def after(self, request, response):
        language = getattr(request, REQUEST_ATTRIBUTE, None)
        if language:
            language_cookie_set(response, language)
        return response
