"""The default model learns a style with the default settings, on CPU, in minutes.

48 chat examples whose answers all open with "Ahoy!" and close with "Arr!"
(`data/pirate_style.jsonl`), a job created with no hyperparameters (all "auto") on
smollm2-135m-instruct and trained by a real `training` worker. Then ten questions that are
not in the file: the base model never answers "Ahoy!", the fine-tuned one (its adapter
loaded as the inference workers load it) nearly always does. The loss falls from the first
epoch to the last, and each epoch's end is a checkpoint.

Slow (minutes: about 7,700 tokens trained on the shared CPU), because it is the only test
that shows fine-tuning teaches the real model something.
"""

import statistics
import tempfile
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sandbox.finetuning import services
from sandbox.finetuning.models import FineTuningJob, FineTuningJobEvent
from sandbox.inference.defaults import SMOLLM2_ID, smollm2_path
from sandbox.registry.models import HostedModel
from tests.support.processes import start_celery_worker

from .conftest import TRAINING_QUEUE
from .style import STYLE_DATASET, answers, has_style

pytestmark = pytest.mark.slow


@pytest.fixture
def smollm2_base(transactional_db):
    """The default chat model, its weights given by path (the worker's MODEL_STORE is a scratch one)."""
    return HostedModel.objects.create(
        model_id=SMOLLM2_ID,
        display_name="SmolLM2 135M Instruct",
        backend=HostedModel.Backend.CAUSAL_LM,
        task=HostedModel.Task.CHAT,
        source=str(smollm2_path()),
        context_length=8192,
        max_output_tokens=64,
    )


@pytest.fixture
def style_worker(transactional_db):
    """A training worker as deployed (torch's own thread count, checkpoints at epoch ends)."""
    worker = start_celery_worker(
        queues=TRAINING_QUEUE,
        pool="solo",
        concurrency=1,
        name="ft-style",
        FINETUNE_TRAINING_QUEUE=TRAINING_QUEUE,
        FINETUNE_HEARTBEAT_SECONDS="1",
        MODEL_STORE=tempfile.mkdtemp(prefix="atrium-ft-style-"),
    )
    yield worker
    worker.stop()


def test_the_default_model_learns_a_style_with_default_settings(dev, smollm2_base, style_worker):
    upload = SimpleUploadedFile("pirate.jsonl", STYLE_DATASET.read_bytes())
    file = services.file_create(owner=dev, upload=upload, purpose="fine-tune")
    job, _ = services.finetune_job_create(owner=dev, model=SMOLLM2_ID, training_file=file.id, suffix="pirate", seed=1)
    # "auto", resolved from the data: 48 examples x 3 epochs pass 100; batches of a tenth.
    assert job.hyperparameters == {"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 1.0, "rank": 8}

    deadline = time.monotonic() + 1200
    while (job := FineTuningJob.objects.get(pk=job.pk)).status not in FineTuningJob.TERMINAL_STATUSES:
        assert time.monotonic() < deadline, style_worker.output
        time.sleep(1)
    assert job.status == FineTuningJob.Status.SUCCEEDED, (job.error, style_worker.output)

    metrics = job.events.filter(type=FineTuningJobEvent.Type.METRICS).order_by("id").values_list("data", flat=True)
    losses = [data["train_loss"] for data in metrics if data and "learning_rate" in data]
    assert len(losses) == 36  # 12 steps an epoch
    first_epoch, last_epoch = statistics.fmean(losses[:12]), statistics.fmean(losses[-12:])
    assert last_epoch < 0.5 * first_epoch, losses
    assert [c.step for c in job.checkpoints.all()] == [36, 24, 12]

    base = answers(smollm2_path())
    tuned = answers(smollm2_path(), job.result_model.adapter_path)
    assert not any(has_style(a) for a in base), base
    assert sum(has_style(a) for a in tuned) >= 8, tuned
