"""Deliver what a commit would, in tests that run inside a transaction (``db``).

Such a test never commits, so ``transaction.on_commit`` callbacks (an activity's append
to the stream, mail tasks) never run, and no consumer reads the stream. ``deliver()``
runs the pending callbacks as a commit would, then the activity consumer in this
process, so the reactions to activities (notifications, rewards) are in place.
"""

from django.db import connection


def deliver() -> int:
    """Run pending on-commit callbacks, then store the recorded activities and run their
    handlers; returns how many activities were stored."""
    from community.activity.services import activity_events_flush

    while connection.run_on_commit:
        callbacks = list(connection.run_on_commit)
        connection.run_on_commit.clear()
        for _savepoints, func, _robust in callbacks:
            func()
    return activity_events_flush()
