"""The Celery app. Queues: `default` (housekeeping, mail, webhooks), `inference`
(hosted-model requests, served by GPU workers) and `training` (fine-tuning jobs)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue("default"), Queue("inference"), Queue("training")]
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(sender=None, **kwargs) -> None:
    """Around each task, drop the thread's database connections that are obsolete
    (CONN_MAX_AGE) or unusable (CONN_HEALTH_CHECKS), as Django does around each request.

    Celery's Django fixup would close them unconditionally before and after every task
    (so a worker could not keep a connection whatever CONN_MAX_AGE said);
    CELERY_DB_REUSE_MAX turns that off and this applies Django's own rule instead. At the
    default CONN_MAX_AGE=0 every task still gets a fresh connection.
    """
    if sender is not None and getattr(sender.request, "is_eager", False):
        return  # runs inside the caller's unit of work (and its transaction)
    from django.db import close_old_connections

    close_old_connections()
