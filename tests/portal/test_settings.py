import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A complete production environment; each refusal test spoils one value.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "SECRET_KEY": "x7!kq2#rP0z$wLm9@vB4nT8&yH1cF6jD3sA5gU0eR2iO7pQ9lK",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "atrium.example.com",
    "SITE_URL": "https://atrium.example.com",
}
# Variables of this test process that production must not inherit.
INHERITED = ("DEBUG", "GATEWAY_POLICY_ENABLED", "DJANGO_ALLOW_ASYNC_UNSAFE")


def production(*args: str, unset: tuple[str, ...] = (), **overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in INHERITED}
    env.update(PRODUCTION_ENV, **overrides)
    for name in unset:
        env.pop(name)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_production_settings_pass_check_deploy():
    """`manage.py check --deploy` on production settings reports no issue at all."""
    result = production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "unset", "message"),
    [
        ({"DEBUG": "true"}, (), "DEBUG must be off in production (unset DEBUG)."),
        ({}, ("SECRET_KEY",), "Set SECRET_KEY to a random value of at least 50 characters."),
        ({"SECRET_KEY": "too-short-to-sign-sessions"}, (), "Set SECRET_KEY to a random value of at least 50"),
        ({}, ("DATABASE_URL",), "Production needs DATABASE_URL (PostgreSQL) and REDIS_URL."),
        ({}, ("REDIS_URL",), "Production needs DATABASE_URL (PostgreSQL) and REDIS_URL."),
        ({"DATABASE_URL": "sqlite:////tmp/atrium.sqlite3"}, (), "DATABASE_URL must point to PostgreSQL in production"),
        ({"GATEWAY_POLICY_ENABLED": "false"}, (), "unset GATEWAY_POLICY_ENABLED in production"),
    ],
    ids=["debug", "no-secret-key", "short-secret-key", "no-database", "no-redis", "sqlite", "gateway-policy-off"],
)
def test_production_refuses_unsafe_configuration(overrides, unset, message):
    """Importing the production settings fails with ImproperlyConfigured saying what to set."""
    result = production("-c", "import portal.settings.production", unset=unset, **overrides)
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: " in result.stderr
    assert message in result.stderr


def test_production_sends_secure_cookies_and_headers():
    result = production(
        "-c",
        "import json; from portal.settings import production as s; print(json.dumps({n: getattr(s, n) for n in ["
        "'SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY',"
        "'LANGUAGE_COOKIE_SECURE', 'LANGUAGE_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS',"
        "'SECURE_SSL_REDIRECT', 'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY',"
        "'SECURE_CROSS_ORIGIN_OPENER_POLICY', 'CSRF_TRUSTED_ORIGINS']}))",
        CSRF_TRUSTED_ORIGINS="https://console.example.com",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "strict-origin-when-cross-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "CSRF_TRUSTED_ORIGINS": ["https://console.example.com", "https://atrium.example.com"],
    }
