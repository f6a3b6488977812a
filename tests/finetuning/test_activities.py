"""Fine-tuning records its activities, each exactly once: a file uploaded, a job created,
and how the job ended (succeeded, failed, cancelled), however often the end is reported."""

import pytest

from community.activity.models import ActivityEvent
from community.activity.services import activity_events_flush
from sandbox.finetuning import services
from sandbox.finetuning.models import FineTuningJob
from tests.factories import training_file

pytestmark = pytest.mark.django_db(transaction=True)


def _file(user):
    return training_file(user)


def _verbs(user) -> list[str]:
    activity_events_flush()
    return sorted(ActivityEvent.objects.filter(actor=user, verb__startswith="finetune.").values_list("verb", flat=True))


def test_each_step_of_a_job_records_its_activity_once(dev, base_model):
    file = _file(dev)
    cancelled, _created = services.finetune_job_create(owner=dev, model="tiny-gpt", training_file=file.id)
    failed, _created = services.finetune_job_create(owner=dev, model="tiny-gpt", training_file=file.id)
    succeeded, _created = services.finetune_job_create(owner=dev, model="tiny-gpt", training_file=file.id)
    services.finetune_job_cancel(job=cancelled)
    services.finetune_job_fail(job_id=failed.id, message="The data made no sense.")
    services.finetune_job_fail(job_id=failed.id, message="Reported twice.")  # already failed: nothing new
    FineTuningJob.objects.filter(pk=succeeded.pk).update(status="running", dispatch_id="d1")
    services.finetune_job_succeed(job_id=succeeded.id, dispatch_id="d1", adapter_path="/tmp/adapter", metrics={})
    services.finetune_job_succeed(job_id=succeeded.id, dispatch_id="d1", adapter_path="/tmp/adapter", metrics={})

    assert _verbs(dev) == [
        "finetune.file.uploaded",
        "finetune.job.cancelled",
        "finetune.job.created",
        "finetune.job.created",
        "finetune.job.created",
        "finetune.job.failed",
        "finetune.job.succeeded",
    ]
    assert _verbs(dev) == _verbs(dev)  # consuming again stores nothing twice
    [done] = ActivityEvent.objects.filter(actor=dev, verb="finetune.job.succeeded")
    assert done.target == ("finetuning.finetuningjob", succeeded.id)
    assert done.properties["fine_tuned_model"].startswith("ft:tiny-gpt:")
    [failure] = ActivityEvent.objects.filter(actor=dev, verb="finetune.job.failed")
    assert failure.properties["error_code"] == "training_failed"
