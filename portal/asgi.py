"""The site's ASGI entry point: each view runs the way it is written.

- **Async views** (the ``/v1`` gateway, the Playground's streaming chat) run on the event
  loop through Django's ASGI handler, as do all of ``/v1`` (its sync endpoints keep the
  upload guard below) and anything that is not plain HTTP.
- **Sync views** (the pages: forums, docs, accounts, dashboards, admin) run through
  Django's WSGI handler on a thread pool (a2wsgi). Under the ASGI handler every sync
  middleware and the view itself would each cross to a thread and back (sixteen hops a
  page with our middleware, about 7 ms of a 17 ms forum page on this machine:
  ``python -m bench forums``); here a page crosses once, and runs the middleware chain
  in that thread.

Both handlers share settings, middleware and URLconf; only the path a request takes to
the view differs. Web processes borrow PostgreSQL connections from a pool
(``DB_POOL_MAX_SIZE``, on by default here and only here: Celery's prefork workers must
not inherit one across a fork).
"""

import os

from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DB_POOL_MAX_SIZE", "20")

asgi_handler = get_asgi_application()
wsgi_handler = get_wsgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402
from asgiref.sync import iscoroutinefunction  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import Resolver404, resolve  # noqa: E402

# Oversize fine-tuning uploads are refused before Django reads their body.
from sandbox.finetuning.asgi import UploadSizeLimit  # noqa: E402


def runs_async(scope) -> bool:
    """Whether the view at the scope's path is async (unknown paths 404 from either handler)."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    if path.startswith("/v1/") or path == "/v1":
        return True
    try:
        return iscoroutinefunction(resolve(path).func)
    except Resolver404:
        return False


class ViewModeRouter:
    def __init__(self, asgi_app, wsgi_app, *, threads: int):
        self.asgi_app = asgi_app
        self.wsgi_app = WSGIMiddleware(wsgi_app, workers=threads)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and not runs_async(scope):
            return await self.wsgi_app(scope, receive, send)
        return await self.asgi_app(scope, receive, send)


application = UploadSizeLimit(ViewModeRouter(asgi_handler, wsgi_handler, threads=settings.WEB_THREADS))
