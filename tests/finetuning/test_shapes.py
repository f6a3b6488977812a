"""/v1/files and /v1/fine_tuning bodies are what the OpenAPI schema documents: for every
object the views build, the documented serializer has exactly its fields and accepts it."""

import pytest

from sandbox.finetuning import api, schema
from sandbox.finetuning.models import FineTuningCheckpoint
from tests.factories import FineTuningJobFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_served_shape_is_the_documented_one(dev, base_model):
    job = FineTuningJobFactory(owner=dev)
    checkpoint = FineTuningCheckpoint.objects.create(job=job, step=4, path="/tmp/ckpt", metrics={"train_loss": 1.5})
    served_and_documented = [
        (api.file_object(job.training_file), schema.FileObject),
        (api.job_object(job), schema.JobObject),
        (api.event_object(job.events.first()), schema.JobEvent),
        (api.checkpoint_object(checkpoint, job), schema.Checkpoint),
    ]
    for served, documented in served_and_documented:
        assert set(served) == set(documented().fields), documented.__name__
        check = documented(data=served)
        assert check.is_valid(), (documented.__name__, check.errors)
