"""A job's event log (what /v1/fine_tuning/jobs/{id}/events and the job page list)."""

from __future__ import annotations

from ..models import FineTuningJob, FineTuningJobEvent


def finetune_job_event_add(
    *,
    job: FineTuningJob,
    message: str,
    level: str = FineTuningJobEvent.Level.INFO,
    type: str = FineTuningJobEvent.Type.MESSAGE,
    data: dict | None = None,
) -> FineTuningJobEvent:
    return FineTuningJobEvent.objects.create(job=job, message=message, level=level, type=type, data=data)
