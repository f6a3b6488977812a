import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy():
    """`manage.py check --deploy` on production settings reports no issue at all."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY="x7!kq2#rP0z$wLm9@vB4nT8&yH1cF6jD3sA5gU0eR2iO7pQ9lK",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="atrium.example.com",
    )
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests for their own process
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_debug():
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        DEBUG="true",
        SECRET_KEY="x" * 60,
        DATABASE_URL="postgres://postgres@127.0.0.1/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr
