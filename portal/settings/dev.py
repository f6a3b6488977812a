"""Local development: what `make run` uses. Never deploy with these settings.

DEBUG is off by default, so a fresh clone shows what a visitor will see: the site's own
404 and 500 pages, never Django's debug page with every URL pattern. `DEBUG=1 make run`
opts in to tracebacks in the browser. Nothing else here depends on DEBUG: WhiteNoise
serves the static files that `make run` collects at start (scripts/run.py), the public
uploads (forum images) are served below, and mail prints to the terminal (EMAIL_URL's
default, consolemail://).
"""

from urllib.parse import urlsplit

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SITE_URL, env

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-atrium-local-development-only")
# The host make run serves on, whichever name SITE_URL gives it.
ALLOWED_HOSTS = list(dict.fromkeys([*ALLOWED_HOSTS, urlsplit(SITE_URL).hostname or "127.0.0.1"]))
# Serve the public uploads (forum images, MEDIA_ROOT/forums/) from Django: a deployment
# serves them from its proxy or object store instead. Private files under MEDIA_ROOT
# (fine-tuning data) are never served by URL.
MEDIA_SERVE_PUBLIC = True
