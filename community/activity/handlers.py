"""Which code reacts to which verbs.

Apps register handlers in their ``AppConfig.ready()``::

    from community.activity.handlers import activity_handler

    @activity_handler("forum.answer.accepted", name="rewards.award_accept")
    def award_accept(activity):
        points_award(user_id=activity.properties["answer_author"], ...)

A handler receives the stored ``ActivityEvent``. It runs inside a transaction that also
marks its ``HandlerRun`` succeeded, so its database writes happen exactly once per
activity: it must not have effects outside the database that cannot be repeated (send
mail with ``transaction.on_commit``, or through an idempotent task). Its name is that
idempotency key: keep it stable, and give each handler its own.

A handler that every vote or read on the site runs is registered with ``batch=True``: it
receives a list of activities (in the order they happened) and handles them together, in
set-based statements, in one transaction with all their runs. If it raises, each
activity of the batch is tried alone, so one bad activity is retried on its own and the
others still succeed. Either way an activity's effects and its run's success commit
together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .verbs import verb_validate


@dataclass(frozen=True)
class ActivityHandler:
    name: str
    verbs: frozenset[str]
    func: Callable
    # func takes a list of activities (see the module's docstring).
    batch: bool = False


_handlers: dict[str, ActivityHandler] = {}


def _same_function(a: Callable, b: Callable) -> bool:
    # A module imported again (autoreload, tests) makes a new function object.
    return (a.__module__, a.__qualname__) == (b.__module__, b.__qualname__)


def register(*, verbs: Iterable[str], name: str, func: Callable, batch: bool = False) -> ActivityHandler:
    """Run ``func(activity)`` once for every stored activity whose verb is in ``verbs``
    (``func(activities)`` with ``batch``)."""
    verbs = frozenset(verb_validate(verb) for verb in verbs)
    existing = _handlers.get(name)
    if existing is not None and not _same_function(existing.func, func):
        raise ValueError(f"activity handler name {name!r} is taken by {existing.func.__qualname__}")
    handler = ActivityHandler(name=name, verbs=verbs, func=func, batch=batch)
    _handlers[name] = handler
    return handler


def activity_handler(*verbs: str, name: str, batch: bool = False) -> Callable[[Callable], Callable]:
    """Decorator form of ``register``."""

    def decorate(func: Callable) -> Callable:
        register(verbs=verbs, name=name, func=func, batch=batch)
        return func

    return decorate


def unregister(name: str) -> None:
    _handlers.pop(name, None)


def handler_get(name: str) -> ActivityHandler | None:
    return _handlers.get(name)


def handlers_for(verb: str) -> list[ActivityHandler]:
    """The handlers of ``verb``, in the order they were registered."""
    return [handler for handler in _handlers.values() if verb in handler.verbs]


def handler_names() -> list[str]:
    return list(_handlers)
