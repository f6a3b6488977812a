"""Production: everything secure by default; required values fail loudly.

Each refusal says what to set, so a misconfigured deploy stops at start-up instead of
serving with a debug page, a guessable key, SQLite, or an open /v1 API.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CSRF_TRUSTED_ORIGINS, DATABASES, DEBUG, GATEWAY_POLICY_ENABLED, SECRET_KEY, SITE_URL, env

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (unset DEBUG).")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 50 characters.")
if "REDIS_URL" not in env.ENVIRON or "DATABASE_URL" not in env.ENVIRON:
    raise ImproperlyConfigured("Production needs DATABASE_URL (PostgreSQL) and REDIS_URL.")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured(
        "DATABASE_URL must point to PostgreSQL in production (postgres://USER:PASSWORD@HOST:5432/NAME); "
        "SQLite is the local default only."
    )
if not GATEWAY_POLICY_ENABLED:
    raise ImproperlyConfigured(
        "GATEWAY_POLICY_ENABLED=false switches off /v1 authentication, rate limits, credits and metering "
        "(for benchmarks only): unset GATEWAY_POLICY_ENABLED in production."
    )

# HTTPS only, behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# Headers: no MIME sniffing, no framing, no full URL (tokens, keys) in Referer across
# sites, a browsing context of our own. The Content-Security-Policy is in base.py.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Cookies over HTTPS only, out of reach of scripts (no script of the site reads them: forms
# and the Playground send the CSRF token from the page).
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# The site's own origin may POST (forms, htmx) whatever else CSRF_TRUSTED_ORIGINS lists.
_site = urlsplit(SITE_URL)
CSRF_TRUSTED_ORIGINS = list(dict.fromkeys([*CSRF_TRUSTED_ORIGINS, f"{_site.scheme}://{_site.netloc}"]))
