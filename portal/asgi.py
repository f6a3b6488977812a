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

import gc
import os
from pathlib import Path

from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DB_POOL_MAX_SIZE", "20")

asgi_handler = get_asgi_application()
wsgi_handler = get_wsgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402
from asgiref.sync import iscoroutinefunction  # noqa: E402
from django.conf import settings  # noqa: E402
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines  # noqa: E402
from django.urls import Resolver404, resolve, reverse  # noqa: E402

# Oversize /v1 bodies (uploads included) are refused before Django reads them.
from sandbox.gateway.asgi import BodySizeLimit  # noqa: E402


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
        if scope["type"] == "lifespan":
            return await self.lifespan(receive, send)
        if scope["type"] == "http" and not runs_async(scope):
            return await self.wsgi_app(scope, receive, send)
        return await self.asgi_app(scope, receive, send)

    async def lifespan(self, receive, send) -> None:
        """The server's startup and shutdown (Django's handler speaks plain HTTP only)."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                preload()  # before the first request, with nothing else to wait for it
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def preload() -> None:
    """At server startup: build now what a worker would build on its first requests (the
    URLconf's reverse map, every compiled template), then freeze the heap.

    ``gc.freeze()`` moves everything alive into a generation the collector no longer
    scans. A warm web process holds about 150k tracked objects, and a full collection
    over them held the GIL for about 80 ms here, a pause that every request in flight
    waits out; after the freeze it takes about 5 ms. What requests allocate is still
    collected as usual.
    """
    reverse("home")
    for backend in engines.all():
        for directory in backend.template_dirs:
            for path in Path(directory).rglob("*.html"):
                try:
                    backend.get_template(path.relative_to(directory).as_posix())
                except (TemplateDoesNotExist, TemplateSyntaxError):
                    continue  # a fragment that only compiles inside its parent
    gc.freeze()


application = BodySizeLimit(ViewModeRouter(asgi_handler, wsgi_handler, threads=settings.WEB_THREADS))
