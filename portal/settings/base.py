"""Atrium's settings, read from the environment in this one place.

With nothing configured the site runs on its embedded default: SQLite under ``var/``
and an embedded Redis-protocol server (started by ``make run``) for cache, broker and
token streams. Set ``DATABASE_URL`` and ``REDIS_URL`` to run on PostgreSQL and Redis.
See ``.env.example`` for every variable.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Address of the embedded Redis-protocol server that `make run` starts when no
# REDIS_URL is configured (scripts/embedded_redis.py).
EMBEDDED_REDIS_URL = "redis://127.0.0.1:6390/0"

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "allauth",
    "allauth.account",
    "axes",
    "csp",
    # Rules' change history (who, when, old and new values) in the admin.
    "simple_history",
    # Atrium: the site
    "portal.accounts",
    "portal.apikeys",
    "portal.billing",
    "portal.docs",
    "portal.dashboards",
    # The sandbox: hosted models, the /v1 API, inference, fine-tuning, usage
    "sandbox.registry",
    "sandbox.inference",
    "sandbox.gateway",
    "sandbox.usage",
    "sandbox.finetuning",
    # The community
    "community.forums",
    "community.notifications",
    "community.rewards",
    "community.trust",
    "community.badges",
    "community.store",
    "community.events",
    "community.hackathons",
    "community.showcase",
    "community.recipes",
    "community.ambassadors",
    "community.activity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Every /v1 response names its request (x-request-id), whichever layer answers it.
    "sandbox.gateway.requestid.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files need no policy.
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A login that applied the member's saved language sets the language cookie.
    "portal.accounts.language.AccountLanguageMiddleware",
    # A signed-in member's first page of a UTC day records account.visited (a cache key, no query).
    "portal.accounts.visits.AccountVisitMiddleware",
    # A sign-up or login gives the browser its long-lived device cookie (linked accounts).
    "portal.accounts.devices.DeviceCookieMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

# --- Content-Security-Policy (django-csp) ------------------------------------------------
#
# Every response, in every settings module. Scripts run only from this site's static
# files (and the nonce base.html gives them): no inline script, no inline event handler,
# no eval, so injected markup cannot run code. Stylesheets come only from this site too;
# style *attributes* are allowed (style-src-attr), because templates set values that come
# from data (category colours, progress widths), and an attribute cannot run code.
# Images may also come over https: forum posts and model cards embed them by design
# (the Markdown profiles' image rules, portal/markdown.py). htmx is configured in
# base.html not to eval or inject <style>; the API reference (Redoc) widens its own page's
# policy (portal/docs/urls.py). tests/e2e/test_csp.py loads every page under this policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "https:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.site",
            ],
            # {{ value|shipped }}: content the product ships, in the reader's language (portal/shipped.py).
            "builtins": ["portal.shipped"],
        },
    },
]

# --- Data stores -------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'atrium.sqlite3'}"),
}
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=None)}
# Web processes pool their PostgreSQL connections (portal/asgi.py turns it on there);
# elsewhere (Celery's prefork workers, management commands) it stays off by default.
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=0)
# Threads that run the sync views (pages) of one web process; see portal/asgi.py. A page
# waits on PostgreSQL and Redis for about a quarter of its time, so a few threads keep a
# core busy; more only queue on the GIL (10 instead of 4 raised the forum bench's p95
# by 15-40% on 2 cores). Slow work belongs in Celery, not in a page.
WEB_THREADS = env.int("WEB_THREADS", default=4)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if DB_POOL_MAX_SIZE:
        # A psycopg pool per process: a request (or task) borrows a connection and hands
        # it back when it ends, whatever thread ASGI ran it on. Connecting per request
        # costs PostgreSQL a backend start and the catalog lookups of a cold session on
        # every page; persistent connections (CONN_MAX_AGE) would leak one per
        # sync_to_async thread under ASGI. The pool needs CONN_MAX_AGE 0.
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    else:
        # Connect per request by default (tests, and PgBouncer in front when processes
        # multiply); workers (plain threads) may raise CONN_MAX_AGE.
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite under concurrent web + worker processes: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True

REDIS_URL = env("REDIS_URL", default=EMBEDDED_REDIS_URL)
EMBEDDED_SERVICES = "REDIS_URL" not in env.ENVIRON
# The cache may live in a Redis database of its own (the suite does this, so clearing
# the cache never touches the Celery queues, the usage and activity streams or the
# rate-limit buckets); by default it shares REDIS_URL.
CACHE_URL = env("CACHE_URL", default=REDIS_URL)

CACHES = {
    "default": {
        # django-redis keeps one client per process; Django's own backend builds a redis
        # client object on every call, which costs pages with several lookups ~1 ms.
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="atrium"),
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Celery --------------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None  # job state lives on models, never only in Celery results
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Celery's Django fixup closes database connections around every task unless this is
# set; portal/celery.py applies CONN_MAX_AGE and health checks around tasks instead.
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}

# --- Auth and accounts ---------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
SITE_ID = 1
AUTHENTICATION_BACKENDS = [
    # AxesStandaloneBackend must be first: it refuses throttled logins.
    "axes.backends.AxesStandaloneBackend",
    "portal.accounts.backends.CachedPermissionsBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# The link in the mail confirms the address when opened (no second "Confirm" click), and
# the new developer lands on their home page, where the onboarding checklist starts.
ACCOUNT_CONFIRM_EMAIL_ON_GET = True
ACCOUNT_EMAIL_CONFIRMATION_AUTHENTICATED_REDIRECT_URL = "home"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Atrium] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
# Axes throttles failed logins per (account, IP); allauth's per-IP limit stays as a second
# line. No per-account limit: it would let anyone lock a user out from everywhere.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip"}

# Throttle per (account, IP) pair: an attacker from one address cannot lock the
# real user out from theirs.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
# allauth authenticates with email=...; this reads it (lower-cased) for the lockout key.
AXES_USERNAME_CALLABLE = "portal.accounts.throttling.login_identifier"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"

# --- Email -----------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Atrium <noreply@atrium.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- I18n, static, media -------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
# The reader's language is a preference: kept a year in this cookie (Django's default is
# the browser session) and, for members, on the account (User.language), which applies
# wherever they log in (portal/accounts/language.py). Secure and HttpOnly in production.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Whether Django itself serves the public uploads under MEDIA_URL (forum images): on in
# development (dev.py), off where a proxy or object store serves them.
MEDIA_SERVE_PUBLIC = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Models and workers ----------------------------------------------------------------

# Where hosted model weights, the default model built on first run, fine-tuned
# adapters and checkpoints live.
MODEL_STORE = env.path("MODEL_STORE", default=VAR_DIR / "models")
# The chat model the Playground, the docs and new fine-tuning jobs start from
# (registered by `manage.py prepare_models`), and the longest answer it may give.
DEFAULT_CHAT_MODEL = env("DEFAULT_CHAT_MODEL", default="smollm2-135m-instruct")
DEFAULT_CHAT_MAX_OUTPUT_TOKENS = env.int("DEFAULT_CHAT_MAX_OUTPUT_TOKENS", default=2048)
# Training budget of the tiny atrium-gpt-mini that tests and benchmarks build (CPU).
ATRIUM_GPT_MINI_TRAIN_SECONDS = env.float("ATRIUM_GPT_MINI_TRAIN_SECONDS", default=110.0)
# Inference workers: most sequences decoded together per model, and the device
# ("auto": CUDA when available, else CPU).
INFERENCE_MAX_BATCH_SIZE = env.int("INFERENCE_MAX_BATCH_SIZE", default=32)
INFERENCE_DEVICE = env("INFERENCE_DEVICE", default="auto")
# Load the public models when an inference worker starts (the first call is then fast).
INFERENCE_PRELOAD = env.bool("INFERENCE_PRELOAD", default=True)
# torch intra-op threads of a CPU inference worker. 1 by default: the decode loop shares
# the cores with the Celery task threads, and OpenMP's barriers stall badly when one of
# their threads is descheduled (50 ms steps instead of 2 ms on a busy 2-core machine).
INFERENCE_CPU_THREADS = env.int("INFERENCE_CPU_THREADS", default=1)

# --- Fine-tuning (sandbox.finetuning) ----------------------------------------------------

FINETUNE_MAX_FILE_BYTES = env.int("FINETUNE_MAX_FILE_BYTES", default=50 * 1024 * 1024)
FINETUNE_MIN_EXAMPLES = env.int("FINETUNE_MIN_EXAMPLES", default=10)
FINETUNE_MAX_CONCURRENT_JOBS = env.int("FINETUNE_MAX_CONCURRENT_JOBS", default=1)
FINETUNE_CHECKPOINT_EVERY_STEPS = env.int("FINETUNE_CHECKPOINT_EVERY_STEPS", default=50)
FINETUNE_HEARTBEAT_SECONDS = env.float("FINETUNE_HEARTBEAT_SECONDS", default=2.0)
FINETUNE_HEARTBEAT_STALE_SECONDS = env.float("FINETUNE_HEARTBEAT_STALE_SECONDS", default=60.0)
FINETUNE_MAX_ATTEMPTS = env.int("FINETUNE_MAX_ATTEMPTS", default=3)
FINETUNE_TRAINING_QUEUE = env("FINETUNE_TRAINING_QUEUE", default="training")
FINETUNE_TIME_LIMIT_SECONDS = env.int("FINETUNE_TIME_LIMIT_SECONDS", default=6 * 3600)
# Credits: a job is charged its metered device time. The estimate shown before it runs
# predicts that time for the training workers' device kind and the base model: a start-up
# (loading the model, encoding the file) plus tokens x epochs at a throughput, both as the
# workers measured them on recent jobs (sandbox/finetuning/throughput.py), or these
# configured figures before any job on that model ran. CPU: SmolLM2-135M-Instruct measured
# 46-50 tokens/s on one thread of a busy 2-core machine and ~2 s of start-up on a warm worker.
FINETUNE_CREDITS_PER_DEVICE_SECOND = Decimal(env("FINETUNE_CREDITS_PER_DEVICE_SECOND", default="0.001"))
FINETUNE_DEVICE = env("FINETUNE_DEVICE", default="cpu")
FINETUNE_TOKENS_PER_SECOND = {
    "cpu": env.float("FINETUNE_TOKENS_PER_SECOND_CPU", default=100.0),
    "cuda": env.float("FINETUNE_TOKENS_PER_SECOND_CUDA", default=50000.0),
}
FINETUNE_STARTUP_SECONDS = {
    "cpu": env.float("FINETUNE_STARTUP_SECONDS_CPU", default=10.0),
    "cuda": env.float("FINETUNE_STARTUP_SECONDS_CUDA", default=20.0),
}
if FINETUNE_DEVICE not in FINETUNE_TOKENS_PER_SECOND:
    raise ImproperlyConfigured(f"FINETUNE_DEVICE must be one of {sorted(FINETUNE_TOKENS_PER_SECOND)}.")
CELERY_BEAT_SCHEDULE["finetuning-reap-stale-jobs"] = {
    "task": "sandbox.finetuning.jobs_reap",
    "schedule": env.float("FINETUNE_REAP_EVERY_SECONDS", default=30.0),
}

# --- API keys, rate limits, credits, the /v1 gateway, usage metering ---------------------

# Per minute; a key's own limits (set by staff in the admin) override the key defaults.
RATE_LIMIT_KEY_RPM = env.int("RATE_LIMIT_KEY_RPM", default=600)
RATE_LIMIT_KEY_TPM = env.int("RATE_LIMIT_KEY_TPM", default=200_000)
RATE_LIMIT_ACCOUNT_RPM = env.int("RATE_LIMIT_ACCOUNT_RPM", default=1200)
RATE_LIMIT_ACCOUNT_TPM = env.int("RATE_LIMIT_ACCOUNT_TPM", default=400_000)
CREDITS_MONTHLY_FREE_GRANT = Decimal(env("CREDITS_MONTHLY_FREE_GRANT", default="5.00"))
# No worker accepts a request within this time: 503 with Retry-After.
GATEWAY_DISPATCH_TIMEOUT_SECONDS = env.float("GATEWAY_DISPATCH_TIMEOUT_SECONDS", default=10.0)
# A worker that accepted but goes silent this long: the request fails with 503.
GATEWAY_STREAM_IDLE_TIMEOUT_SECONDS = env.float("GATEWAY_STREAM_IDLE_TIMEOUT_SECONDS", default=120.0)
# Benchmarks only: switch off auth, limits, credits and metering to measure their cost.
GATEWAY_POLICY_ENABLED = env.bool("GATEWAY_POLICY_ENABLED", default=True)
# The largest request body Django reads (JSON under /v1, form fields): 2.5 MiB, Django's
# default, set here on purpose. The longest context is a few hundred kB of JSON even with
# every character escaped; a larger /v1 body gets 413 request_too_large. Training files are
# multipart uploads to /v1/files, limited by FINETUNE_MAX_FILE_BYTES instead.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
CELERY_BEAT_SCHEDULE["usage-records-flush"] = {
    "task": "sandbox.usage.records_flush",
    "schedule": env.float("USAGE_FLUSH_EVERY_SECONDS", default=2.0),
}
# The request log keeps a call's bodies only for a key that opts in, for the days it
# chose and at most this many; the beat task deletes them once that time is over.
REQUEST_LOG_BODIES_MAX_DAYS = env.int("REQUEST_LOG_BODIES_MAX_DAYS", default=30)
CELERY_BEAT_SCHEDULE["usage-bodies-purge"] = {
    "task": "sandbox.usage.bodies_purge",
    "schedule": env.float("REQUEST_LOG_PURGE_EVERY_SECONDS", default=3600.0),
}
CELERY_BEAT_SCHEDULE["credits-grant-monthly"] = {
    "task": "portal.billing.credits_grant_monthly_all",
    "schedule": 3600.0,
}

# Community ambassadors' compute credits each month (community.ambassadors), paid on the 1st
# (once per ambassador and month, by the grant's reference: a rerun pays nothing).
AMBASSADOR_MONTHLY_CREDITS = Decimal(env("AMBASSADOR_MONTHLY_CREDITS", default="20.00"))
CELERY_BEAT_SCHEDULE["ambassadors-credits-grant-monthly"] = {
    "task": "community.ambassadors.credits_grant_monthly",
    "schedule": crontab(day_of_month=1, hour=0, minute=30),
}

# --- Forums and notifications (community/forums, community/notifications) ------------------

# New members' limits (posts an hour, links, images) come with their trust level
# (community/trust, tuned in the admin). Flood protection applies to every member.
# A thread page's reading beacon counts at most this much reading time per visit.
FORUM_READ_MAX_SECONDS_PER_VISIT = env.int("FORUM_READ_MAX_SECONDS_PER_VISIT", default=1800)
FORUM_FLOOD_SECONDS = env.int("FORUM_FLOOD_SECONDS", default=10)
FORUM_IMAGE_MAX_BYTES = env.int("FORUM_IMAGE_MAX_BYTES", default=4 * 1024 * 1024)
# A bounty runs this many days; then the beat task pays the best-voted answer, refunds or lets it lapse.
FORUM_BOUNTY_DAYS = env.int("FORUM_BOUNTY_DAYS", default=7)
CELERY_BEAT_SCHEDULE["forums-bounties-close"] = {
    "task": "community.forums.bounties_close",
    "schedule": env.float("FORUM_BOUNTY_CLOSE_EVERY_SECONDS", default=300.0),
}
CELERY_BEAT_SCHEDULE["notifications-digest-daily"] = {
    "task": "community.notifications.tasks.digests_dispatch",
    "schedule": crontab(hour=7, minute=0),
    "kwargs": {"frequency": "daily"},
}
CELERY_BEAT_SCHEDULE["notifications-digest-weekly"] = {
    "task": "community.notifications.tasks.digests_dispatch",
    "schedule": crontab(hour=7, minute=30, day_of_week=1),
    "kwargs": {"frequency": "weekly"},
}

# --- Activity stream (community/activity) ---------------------------------------------------

# Stores recorded activities and runs their handlers; expires so a backlog of flushes
# queued while no worker ran does not pile up.
CELERY_BEAT_SCHEDULE["activity-flush"] = {
    "task": "community.activity.flush",
    "schedule": env.float("ACTIVITY_FLUSH_EVERY_SECONDS", default=1.0),
    "options": {"expires": 30},
}

# --- Rewards: the points ledger (community/rewards) ------------------------------------------

# At most this many points a day from votes (rules marked vote_capped), as Stack Overflow's 200.
REWARDS_VOTE_DAILY_CAP = env.int("REWARDS_VOTE_DAILY_CAP", default=200)
# A voter who gives one author this many votes in a UTC day is serial voting: the nightly
# job reverses those votes' points.
REWARDS_SERIAL_VOTES_PER_DAY = env.int("REWARDS_SERIAL_VOTES_PER_DAY", default=5)
# Two accounts that signed up from one IP address within this long of each other look linked.
REWARDS_LINKED_SIGNUP_WINDOW = timedelta(hours=env.int("REWARDS_LINKED_SIGNUP_WINDOW_HOURS", default=24))
CELERY_BEAT_SCHEDULE["rewards-serial-votes-reverse"] = {
    "task": "community.rewards.serial_votes_reverse",
    "schedule": crontab(hour=0, minute=20),
}
# Leaderboards are rollups: re-ranked from the daily points every few minutes, rebuilt nightly.
CELERY_BEAT_SCHEDULE["rewards-leaderboards-refresh"] = {
    "task": "community.rewards.leaderboards_refresh",
    "schedule": env.float("LEADERBOARDS_REFRESH_EVERY_SECONDS", default=180.0),
    "options": {"expires": 170},
}
CELERY_BEAT_SCHEDULE["rewards-leaderboards-rebuild"] = {
    "task": "community.rewards.leaderboards_rebuild",
    "schedule": crontab(hour=1, minute=5),
}
# Badges are awarded as activities arrive; this daily pass awards whatever that missed.
CELERY_BEAT_SCHEDULE["badges-evaluate-all"] = {
    "task": "community.badges.evaluate_all",
    "schedule": crontab(hour=3, minute=10),
}

# --- Events (community/events) --------------------------------------------------------------

# The day-before and hour-before reminders that are due (each sent once: see ReminderSent).
CELERY_BEAT_SCHEDULE["events-reminders-send"] = {
    "task": "community.events.reminders_send",
    "schedule": 300.0,
    "options": {"expires": 290},
}

# --- Trust levels (community/trust) ---------------------------------------------------------

# Demote regulars who stopped meeting the last 100 days' requirements; promote members whose
# reputation grew. The levels' requirements and privileges are tuned in the admin.
CELERY_BEAT_SCHEDULE["trust-levels-evaluate-daily"] = {
    "task": "community.trust.levels_evaluate_daily",
    "schedule": crontab(hour=0, minute=40),
}

# --- API -------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Atrium API",
    "DESCRIPTION": "OpenAI-compatible API for Atrium's hosted models.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The reference documents the public /v1 API, with OpenAI's error shape on every
    # operation (portal/docs/openapi.py).
    "SCHEMA_PATH_PREFIX": r"/v1",
    "PREPROCESSING_HOOKS": ["portal.docs.openapi.v1_endpoints_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.docs.openapi.v1_error_responses",
        "portal.docs.openapi.v1_reference",
    ],
}
# "Edit this page" on the docs links here + the file's path in the repository (e.g.
# https://github.com/ORG/atrium/edit/main/); empty: to the page's Markdown source on the site.
DOCS_EDIT_BASE_URL = env("DOCS_EDIT_BASE_URL", default="")

# --- Logging -----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
