"""Training on real `training` Celery workers: end to end through the `openai` SDK, a
worker killed mid-job resuming from its checkpoint, cancel within seconds."""

import time
from datetime import timedelta
from pathlib import Path

import openai
import pytest
from django.utils import timezone

from sandbox.finetuning import pricing, testing
from sandbox.finetuning.models import FineTuningJob
from sandbox.registry.models import HostedModel
from tests.support.processes import start_celery_worker

from .conftest import TRAINING_QUEUE, WORKER_ENV

pytestmark = pytest.mark.slow


def upload(sdk, path):
    with open(path, "rb") as handle:
        return sdk.files.create(file=handle, purpose="fine-tune")


def wait_for(predicate, *, timeout: float, what: str, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}" + (f"\n{worker.output}" if worker else ""))


def wait_terminal(sdk, job_id, *, timeout=240, worker=None):
    return wait_for(
        lambda: (j := sdk.fine_tuning.jobs.retrieve(job_id)).status in ("succeeded", "failed", "cancelled") and j,
        timeout=timeout,
        what=f"{job_id} to finish",
        worker=worker,
    )


def test_fine_tune_end_to_end_then_chat_with_the_ft_model(
    sdk, client_for, other_dev, dev, base_model, tmp_path, training_worker
):
    """Upload, train on a real worker, get an `ft:` model served by /v1/chat/completions for its owner only."""
    train = upload(sdk, testing.write_jsonl(tmp_path / "train.jsonl", testing.chat_dataset(24, seed=1, high=10)))
    valid = upload(sdk, testing.write_jsonl(tmp_path / "valid.jsonl", testing.chat_dataset(10, seed=2, high=10)))
    job = sdk.fine_tuning.jobs.create(
        model="tiny-gpt",
        training_file=train.id,
        validation_file=valid.id,
        suffix="pirate",
        seed=7,
        hyperparameters={"n_epochs": 2, "batch_size": 4, "learning_rate_multiplier": 5, "rank": 4},
    )
    done = wait_terminal(sdk, job.id, worker=training_worker)
    assert done.status == "succeeded", (done.error, training_worker.output)
    assert done.fine_tuned_model.startswith("ft:tiny-gpt:") and ":pirate:" in done.fine_tuned_model
    assert done.trained_tokens > 0 and done.model_extra["progress"] == 100

    events = list(sdk.fine_tuning.jobs.list_events(job.id, limit=200))
    metrics = [e.data for e in events if e.type == "metrics" and e.data and "learning_rate" in e.data]
    assert len(metrics) == 12  # 24 examples / batch 4 x 2 epochs, one metrics event per step
    assert {"train_loss", "learning_rate", "tokens_per_second", "eta_seconds"} <= set(metrics[0])
    assert any(e.data and "valid_loss" in e.data for e in events)
    assert any("successfully completed" in e.message for e in events)
    # Saved every 4 steps and at each epoch's end (6 steps an epoch); after success only the
    # epochs' ends are listed, newest first, each with its validation loss and its model.
    checkpoints = list(sdk.fine_tuning.jobs.checkpoints.list(job.id))
    assert [c.step_number for c in checkpoints] == [12, 6]
    assert all(c.metrics.valid_loss is not None for c in checkpoints)
    assert [c.fine_tuned_model_checkpoint for c in checkpoints] == [
        f"{done.fine_tuned_model}:ckpt-step-12",
        f"{done.fine_tuned_model}:ckpt-step-6",
    ]
    valid_losses = [e.data["valid_loss"] for e in events if e.type == "metrics" and e.data and "valid_loss" in e.data]
    assert len(valid_losses) == 4  # at each checkpoint: steps 4, 6, 8 and 12

    # The worker settles the metered time just after the job turns succeeded.
    deadline = time.monotonic() + 30
    while not (row := FineTuningJob.objects.get(pk=job.id)).settled and time.monotonic() < deadline:
        time.sleep(0.2)
    assert row.device_seconds > 0 and row.charged_credits > 0 and row.settled, training_worker.output[-3000:]
    assert row.charged_credits == pricing.device_credits(row.device_seconds)
    model = HostedModel.objects.get(model_id=done.fine_tuned_model)
    assert model.owner == dev and model.base_model == base_model
    assert Path(model.adapter_path, "adapter_config.json").exists()

    inference = start_celery_worker(queues="inference", pool="threads", concurrency=4, name="ft-inference")
    try:
        reply = sdk.chat.completions.create(
            model=done.fine_tuned_model, max_tokens=8, messages=[{"role": "user", "content": "the model learns"}]
        )
        assert reply.model == done.fine_tuned_model
        assert reply.usage.completion_tokens > 0
        # A checkpoint is a model of its own.
        early = checkpoints[-1].fine_tuned_model_checkpoint
        reply = sdk.chat.completions.create(
            model=early, max_tokens=8, messages=[{"role": "user", "content": "the model learns"}]
        )
        assert reply.model == early and reply.usage.completion_tokens > 0
    finally:
        inference.stop()
    assert done.fine_tuned_model in [m.id for m in sdk.models.list()]
    assert checkpoints[-1].fine_tuned_model_checkpoint in [m.id for m in sdk.models.list()]
    theirs = client_for(other_dev)
    assert not {done.fine_tuned_model, early} & {m.id for m in theirs.models.list()}
    with pytest.raises(openai.NotFoundError):
        theirs.chat.completions.create(model=early, messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.NotFoundError):
        theirs.chat.completions.create(model=done.fine_tuned_model, messages=[{"role": "user", "content": "hi"}])


def test_a_killed_worker_resumes_from_its_checkpoint(sdk, base_model, tmp_path, transactional_db, settings):
    """The worker dies mid-job (process group SIGKILL); the reaper re-queues the job, a new
    worker resumes from the last checkpoint, and the job succeeds."""
    from sandbox.finetuning.tasks import finetune_jobs_reap

    file = upload(sdk, testing.write_jsonl(tmp_path / "t.jsonl", testing.chat_dataset(40, seed=3, high=25)))
    job = sdk.fine_tuning.jobs.create(
        model="tiny-gpt", training_file=file.id, hyperparameters={"n_epochs": 6, "batch_size": 2}
    )
    first = start_celery_worker(queues=TRAINING_QUEUE, pool="prefork", concurrency=1, name="ft-first", **WORKER_ENV)
    try:
        wait_for(
            lambda: FineTuningJob.objects.get(pk=job.id).checkpoints.exists(),
            timeout=120,
            what="a first checkpoint",
            worker=first,
        )
    finally:
        first.kill()
    row = FineTuningJob.objects.get(pk=job.id)
    assert row.status == "running" and row.step < row.total_steps, "the job finished before the crash"
    killed_at = row.checkpoints.first().step

    settings.FINETUNE_HEARTBEAT_STALE_SECONDS = 3  # as the workers see it (WORKER_ENV)
    # The dead worker's last heartbeat, as it stands once the stale window has passed.
    FineTuningJob.objects.filter(pk=job.id).update(heartbeat_at=timezone.now() - timedelta(seconds=4))
    assert finetune_jobs_reap.apply().get() == [job.id]  # what beat runs every 30 s
    assert FineTuningJob.objects.get(pk=job.id).status == "queued"

    second = start_celery_worker(queues=TRAINING_QUEUE, pool="prefork", concurrency=1, name="ft-second", **WORKER_ENV)
    try:
        done = wait_terminal(sdk, job.id, worker=second)
    finally:
        second.stop()
    assert done.status == "succeeded", done.error
    row = FineTuningJob.objects.get(pk=job.id)
    assert row.attempts == 2
    messages = [e.message for e in sdk.fine_tuning.jobs.list_events(job.id, limit=500)]
    assert any(
        f"resuming at step {killed_at}" in m
        or f"Resuming from the checkpoint at step {killed_at}" in m
        or "Resuming from the checkpoint" in m
        for m in messages
    )
    assert any("stopped responding" in m for m in messages)


def test_cancel_stops_a_running_job_within_seconds(sdk, base_model, tmp_path, training_worker):
    file = upload(sdk, testing.write_jsonl(tmp_path / "t.jsonl", testing.chat_dataset(40, seed=4, high=25)))
    job = sdk.fine_tuning.jobs.create(
        model="tiny-gpt", training_file=file.id, hyperparameters={"n_epochs": 20, "batch_size": 2}
    )
    wait_for(
        lambda: FineTuningJob.objects.get(pk=job.id).step > 0,
        timeout=120,
        what="training to start",
        worker=training_worker,
    )
    assert sdk.fine_tuning.jobs.cancel(job.id).status == "cancelled"
    wait_for(
        lambda: any(e.message == "Training stopped" for e in sdk.fine_tuning.jobs.list_events(job.id)),
        timeout=10,
        what="the worker to stop",
        worker=training_worker,
    )
    row = FineTuningJob.objects.get(pk=job.id)
    assert row.status == "cancelled" and row.step < row.total_steps  # stopped, and said so
    wait_for(lambda: FineTuningJob.objects.get(pk=job.id).settled, timeout=10, what="metering to settle")
    assert not HostedModel.objects.filter(owner__isnull=False).exists()
