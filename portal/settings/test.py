"""The test suite: real PostgreSQL and Redis (started by `make test`), captured mail."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atrium")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
# The cache in a database of its own, 8 after REDIS_URL's (db 9 -> 1), so tests that
# clear the cache leave the live worker's queues, streams and rate-limit buckets alone.
_redis, _db = os.environ["REDIS_URL"].rsplit("/", 1)
os.environ.setdefault("CACHE_URL", f"{_redis}/{(int(_db or 0) + 8) % 16}")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
SECRET_KEY = "atrium-test-secret-key-not-for-production-use-0123456789"  # noqa: S105 (tests only)
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Hashing cost is not what the suite tests; a fast hasher keeps it quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "test-media")  # noqa: F405
# Serve static files straight from the finders; the suite does not run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tests register the models they need; workers load them on first use.
INFERENCE_PRELOAD = env.bool("INFERENCE_PRELOAD", default=False)
