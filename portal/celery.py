"""The Celery app. Queues: `default` (housekeeping, mail, webhooks), `inference`
(hosted-model requests, served by GPU workers) and `training` (fine-tuning jobs)."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue("default"), Queue("inference"), Queue("training")]
app.autodiscover_tasks()
