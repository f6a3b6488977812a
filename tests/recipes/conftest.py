"""Fixtures of the recipe tests: fine-tuning's tiny base model, developers with credits and
its training workers (tests/finetuning/conftest.py), and jobs that succeeded with a
recorded loss curve, as a worker records it."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sandbox.finetuning import services, testing
from sandbox.finetuning.models import FineTuningJob
from tests.finetuning.conftest import (  # noqa: F401 - fixtures used here
    TRAINING_QUEUE,
    _training_queue,
    base_model,
    dev,
    other_dev,
    tiny_lm_path,
    training_worker,
)

# Words no example of `chat_dataset` uses, so a page showing the data would show them.
SECRET_WORDS = ["zebracorn", "quillfeather", "obsidianmoth"]


def secret_rows(count: int = 12) -> list[dict]:
    """A chat dataset whose replies carry words that must never appear on a recipe page."""
    rows = testing.chat_dataset(count, seed=5, high=12)
    for index, row in enumerate(rows):
        row["messages"][-1]["content"] += " " + SECRET_WORDS[index % len(SECRET_WORDS)]
    return rows


def upload(owner, rows: list[dict]):
    content = "".join(json.dumps(row) + "\n" for row in rows).encode()
    return services.file_create(owner=owner, upload=SimpleUploadedFile("train.jsonl", content), purpose="fine-tune")


def succeed(job: FineTuningJob, *, losses=(2.5, 2.0, 1.6, 1.4)) -> FineTuningJob:
    """Run the job's worker side without training: claim, one metrics event a step, success."""
    FineTuningJob.objects.filter(pk=job.pk).update(status="running", dispatch_id="d-test")
    for step, loss in enumerate(losses, start=1):
        services.finetune_job_step_record(
            job_id=job.id,
            dispatch_id="d-test",
            step=step,
            total_steps=len(losses),
            tokens=10,
            loss=loss,
            learning_rate=1e-4,
            tokens_per_second=100.0,
            eta_seconds=1.0,
        )
    services.finetune_job_succeed(
        job_id=job.id, dispatch_id="d-test", adapter_path="/tmp/adapter", metrics={"train_loss": losses[-1]}
    )
    job.refresh_from_db()
    return job


@pytest.fixture
def succeeded_job(dev, base_model):  # noqa: F811
    file = upload(dev, secret_rows())
    job, _created = services.finetune_job_create(
        owner=dev, model="tiny-gpt", training_file=file.id, hyperparameters={"n_epochs": 2, "batch_size": 4}
    )
    return succeed(job)
