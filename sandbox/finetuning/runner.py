"""Worker side of a job: claim it, keep its heartbeat, train, record, settle.

Imported only on `training` workers (it pulls in torch through the trainer).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import close_old_connections, connection

from . import services, throughput
from .models import FineTuningJob

logger = logging.getLogger(__name__)


def job_dir(job_id: str) -> Path:
    return Path(settings.MODEL_STORE) / "finetuning" / job_id


def adapter_dir(job_id: str) -> Path:
    return Path(settings.MODEL_STORE) / "finetuned" / job_id


class Heartbeat(threading.Thread):
    """Proves the worker alive, meters device time and notices a cancel (or a takeover)."""

    def __init__(self, job_id: str, dispatch_id: str):
        super().__init__(daemon=True, name=f"heartbeat-{job_id}")
        self.job_id, self.dispatch_id = job_id, dispatch_id
        self.lost = threading.Event()
        self.done = threading.Event()
        self.last = time.monotonic()

    def beat(self) -> None:
        now = time.monotonic()
        elapsed, self.last = now - self.last, now
        if not services.finetune_job_heartbeat(
            job_id=self.job_id, dispatch_id=self.dispatch_id, device_seconds=elapsed
        ):
            self.lost.set()

    def run(self) -> None:
        try:
            while not self.done.wait(settings.FINETUNE_HEARTBEAT_SECONDS):
                try:
                    self.beat()
                except Exception:  # a database blip must not kill the heartbeat
                    logger.exception("heartbeat failed for %s", self.job_id)
        finally:
            connection.close()

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=30)


class JobCallbacks:
    def __init__(self, job: FineTuningJob, heartbeat: Heartbeat):
        self.job, self.heartbeat = job, heartbeat
        self.device, self.training_started = "", None

    def on_start(self, *, total_steps: int, resumed_from: int, device: str, examples: int) -> None:
        self.device, self.training_started = device, time.monotonic()
        FineTuningJob.objects.filter(pk=self.job.pk).update(total_steps=total_steps, step=resumed_from)
        services.finetune_job_event_add(
            job=self.job,
            message=f"Training on {device}: {examples} examples, {total_steps} steps"
            + (f", resuming at step {resumed_from}" if resumed_from else ""),
        )

    def on_step(self, **metrics) -> None:
        services.finetune_job_step_record(job_id=self.job.id, dispatch_id=self.job.dispatch_id, **metrics)

    def on_checkpoint(self, *, step: int, path: str, metrics: dict) -> None:
        services.finetune_job_checkpoint_record(job_id=self.job.id, step=step, path=path, metrics=metrics)

    def should_stop(self) -> bool:
        return self.heartbeat.lost.is_set()


def training_config(job: FineTuningJob):
    from .trainer import TrainingConfig

    hp = job.hyperparameters
    return TrainingConfig(
        base_model_path=_base_model_path(job.base_model),
        train_path=job.training_file.content.path,
        data_format=job.training_file.format,
        validation_path=job.validation_file.content.path if job.validation_file else None,
        validation_format=job.validation_file.format if job.validation_file else None,
        output_dir=str(adapter_dir(job.id)),
        checkpoint_dir=str(job_dir(job.id) / "checkpoints"),
        n_epochs=hp["n_epochs"],
        batch_size=hp["batch_size"],
        learning_rate_multiplier=hp["learning_rate_multiplier"],
        rank=hp["rank"],
        seed=job.seed,
        max_length=job.base_model.context_length,
        checkpoint_every=settings.FINETUNE_CHECKPOINT_EVERY_STEPS,
    )


def _base_model_path(base) -> str:
    from sandbox.inference.engine import ModelUnavailable, resolve_weights

    try:
        return str(resolve_weights(base.source, base.revision))
    except (ModelUnavailable, LookupError) as exc:
        raise UserFacingError(f"The weights of `{base.model_id}` are not available: {exc}") from exc


class UserFacingError(Exception):
    """An expected failure, reported to the developer as is and not retried."""


def run_job(*, job_id: str, dispatch_id: str) -> None:
    close_old_connections()
    job = services.finetune_job_claim(job_id=job_id, dispatch_id=dispatch_id, worker=socket.gethostname())
    if job is None:
        return
    from .trainer import TrainingStopped, train

    _warm_up(job)
    heartbeat = Heartbeat(job.id, dispatch_id)
    metered_from = heartbeat.last
    heartbeat.start()
    callbacks, succeeded = JobCallbacks(job, heartbeat), None
    try:
        result = train(training_config(job), callbacks)
    except TrainingStopped:
        services.finetune_job_event_add(job=job, message="Training stopped")
    except UserFacingError as exc:
        services.finetune_job_fail(job_id=job.id, dispatch_id=dispatch_id, message=str(exc), code="model_unavailable")
    except SoftTimeLimitExceeded:
        services.finetune_job_fail(
            job_id=job.id,
            dispatch_id=dispatch_id,
            code="time_limit_exceeded",
            message="The job ran past the training time limit; use fewer epochs or a smaller file.",
        )
    except Exception:
        logger.exception("fine-tuning job %s failed", job.id)
        services.finetune_job_fail(
            job_id=job.id,
            dispatch_id=dispatch_id,
            code="server_error",
            message="Training failed because of an error on our side; the job was not charged beyond the time "
            "it ran. Try again, and contact support if it happens again.",
        )
    else:
        succeeded = services.finetune_job_succeed(
            job_id=job.id, dispatch_id=dispatch_id, adapter_path=str(adapter_dir(job.id)), metrics=result
        )
    finally:
        heartbeat.stop()
    _meter_tail(job.id, heartbeat)
    if succeeded is not None:
        _report_throughput(job, callbacks, metered_from=metered_from, trained_tokens=result["trained_tokens"])
    services.finetune_job_settle(job_id=job.id)


def _warm_up(job: FineTuningJob) -> None:
    """Import what training needs before the job's metering starts (the libraries, the
    weights resolver, the base model's architecture code): a worker's first job should not
    be charged for the worker warming up, nor teach the estimates that every job does."""
    import peft  # noqa: F401
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, get_linear_schedule_with_warmup  # noqa: F401

    from sandbox.inference import engine  # noqa: F401

    try:
        config = AutoConfig.from_pretrained(_base_model_path(job.base_model))
        AutoModelForCausalLM._model_mapping[type(config)]  # imports the architecture's module
    except Exception:  # noqa: S110 (the job itself reports what is wrong with its model)
        pass


def _report_throughput(job: FineTuningJob, callbacks: JobCallbacks, *, metered_from: float, trained_tokens: int):
    """A job that trained in one attempt tells the estimates what this device does for its
    base model: the seconds metered before its first step, and its tokens per metered second after."""
    if job.attempts != 1 or callbacks.training_started is None:
        return
    metered = FineTuningJob.objects.filter(pk=job.pk).values_list("device_seconds", flat=True).first() or 0.0
    measured = throughput.throughput_from_job(
        device=callbacks.device,
        model_id=job.base_model.model_id,
        metered_seconds=metered,
        startup_seconds=callbacks.training_started - metered_from,
        trained_tokens=trained_tokens,
    )
    if measured is None:
        return
    try:
        throughput.throughput_record(
            device=measured.device,
            model_id=measured.model_id,
            startup_seconds=measured.startup_seconds,
            tokens_per_second=measured.tokens_per_second,
        )
    except Exception:  # the estimate falls back on older figures; the job is done
        logger.exception("could not report the training throughput of %s", job.id)


def _meter_tail(job_id: str, heartbeat: Heartbeat) -> None:
    """The final beat cannot meter a job that just left `running`; add its seconds directly."""
    from django.db.models import F

    elapsed = time.monotonic() - heartbeat.last
    FineTuningJob.objects.filter(pk=job_id, settled=False).update(device_seconds=F("device_seconds") + elapsed)
