"""Database work from async code (the /v1 gateway), on a worker thread that hands its
connection back when it is done.

``sync_to_async(thread_sensitive=False)`` runs on the event loop's shared thread pool,
whose threads outlive requests: Django's end-of-request cleanup never reaches them, so a
connection one of them opened would stay checked out of the web process's pool for good,
and a burst of requests could leave the pool empty while they wait on each other. Each
call here closes its thread's connection afterwards under Django's own rule
(``close_old_connections``: obsolete or unusable ones; with the pool, that returns it),
as Channels' ``database_sync_to_async`` does.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections

P = ParamSpec("P")
R = TypeVar("R")


def database_sync_to_async(function: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(run, thread_sensitive=False)
