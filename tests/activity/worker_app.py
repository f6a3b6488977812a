"""portal's Celery app with the test-only activity handlers registered: the worker that
tests/activity/test_crash.py kills mid-batch (``celery -A tests.activity.worker_app``)."""

from portal.celery import app
from tests.activity.handlers_for_tests import register_all

register_all()

__all__ = ["app"]
