"""Writes of fine-tuning: files, jobs (web side and worker side), metering, the reaper.

Side effects (dispatch, webhooks, mail) come last, after the transaction commits.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sandbox.registry.models import HostedModel

from . import validation
from .models import FineTuningCheckpoint, FineTuningJob, FineTuningJobEvent, TrainingFile

logger = logging.getLogger(__name__)

DEFAULT_HYPERPARAMETERS = {"n_epochs": 3, "batch_size": 4, "learning_rate_multiplier": 1.0, "rank": 8}
LIMITS = {"n_epochs": (1, 50), "batch_size": (1, 256), "learning_rate_multiplier": (0.01, 100.0), "rank": (1, 256)}


class FineTuningError(Exception):
    """A request that cannot be done, in words the developer can act on."""

    status = 400

    def __init__(
        self, message: str, *, code: str = "invalid_request_error", param: str | None = None, status: int | None = None
    ):
        super().__init__(message)
        self.message, self.code, self.param = message, code, param
        if status is not None:
            self.status = status


# --- Files -------------------------------------------------------------------------------


def file_create(*, owner, upload: UploadedFile, purpose: str) -> TrainingFile:
    """Validate an uploaded JSONL file and store it; an invalid file stores nothing."""
    if purpose != TrainingFile.Purpose.FINE_TUNE:
        raise FineTuningError(f"Unsupported purpose `{purpose}`; use `fine-tune`.", param="purpose")
    try:
        summary = validation.validate_lines(
            upload.chunks(),
            max_bytes=settings.FINETUNE_MAX_FILE_BYTES,
            min_examples=settings.FINETUNE_MIN_EXAMPLES,
            max_example_tokens=max_context_length(),
        )
    except validation.FileTooLarge as exc:
        raise FineTuningError(str(exc), code="file_too_large", param="file", status=413) from exc
    except validation.TrainingDataInvalid as exc:
        raise FineTuningError(exc.describe(), code="invalid_file", param="file") from exc
    upload.seek(0)
    file = TrainingFile(
        owner=owner,
        purpose=purpose,
        filename=Path(upload.name or "data.jsonl").name[:255],
        bytes=summary.bytes,
        format=summary.format,
        example_count=summary.example_count,
        token_estimate=summary.token_estimate,
        longest_example_tokens=summary.longest_example_tokens,
        longest_example_line=summary.longest_example_line,
    )
    file.content.save(f"{file.id}.jsonl", upload, save=False)
    file.full_clean()
    file.save()
    return file


def file_delete(*, file: TrainingFile) -> None:
    """Delete a file and its bytes, unless a job refers to it (jobs keep their history)."""
    from django.db.models import Q

    job = FineTuningJob.objects.filter(Q(training_file=file) | Q(validation_file=file)).first()
    if job is not None:
        raise FineTuningError(
            f"File `{file.id}` is used by job `{job.id}` ({job.status}) and cannot be deleted.",
            param="file_id",
            status=409,
        )
    storage, storage_name = file.content.storage, file.content.name
    file.delete()
    transaction.on_commit(lambda: storage.delete(storage_name))


def max_context_length() -> int:
    """The longest example any base model accepts; the job checks its own model's limit."""
    lengths = HostedModel.objects.filter(task=HostedModel.Task.CHAT).values_list("context_length", flat=True)
    return max(lengths, default=4096)


# --- Jobs: the web side ----------------------------------------------------------------


def resolve_hyperparameters(requested: dict | None, *, example_count: int) -> dict:
    """Replace "auto" and missing values with the ones the job will use; check ranges."""
    resolved = dict(DEFAULT_HYPERPARAMETERS)
    resolved["batch_size"] = max(1, min(DEFAULT_HYPERPARAMETERS["batch_size"], example_count // 10 or 1))
    for name, value in (requested or {}).items():
        if name not in LIMITS:
            raise FineTuningError(f"Unknown hyperparameter `{name}`.", param=f"hyperparameters.{name}")
        if value is None or value == "auto":
            continue
        low, high = LIMITS[name]
        kind = float if name == "learning_rate_multiplier" else int
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise FineTuningError(f'`{name}` must be a number or "auto".', param=f"hyperparameters.{name}") from None
        if isinstance(value, bool) or not low <= number <= high or (kind is int and number != float(value)):
            raise FineTuningError(
                f"`{name}` must be {'an integer' if kind is int else 'a number'} from {low} to {high}.",
                param=f"hyperparameters.{name}",
            )
        resolved[name] = number
    return resolved


@dataclass(frozen=True)
class CostEstimate:
    """What a job is predicted to use and be charged, before it runs."""

    trained_tokens: int  # tokens x epochs
    device_seconds: float
    credits: Decimal


def device_credits(device_seconds: float) -> Decimal:
    """The credits charged for ``device_seconds`` of training: one price for estimate and charge."""
    amount = Decimal(str(device_seconds)) * settings.FINETUNE_CREDITS_PER_DEVICE_SECOND
    return amount.quantize(Decimal("0.0001"), rounding=ROUND_UP)


def estimate_cost(*, tokens: int, n_epochs: int, device: str | None = None) -> CostEstimate:
    """Predict the metered device time of a job and so its charge.

    A job is charged by device-seconds, so the estimate predicts those: the start-up of the
    training worker's device kind (loading the base model, the first step) plus tokens x
    epochs at that kind's training throughput (``FINETUNE_TOKENS_PER_SECOND``).
    """
    device = device or settings.FINETUNE_DEVICE
    trained_tokens = tokens * n_epochs
    seconds = settings.FINETUNE_STARTUP_SECONDS[device] + trained_tokens / settings.FINETUNE_TOKENS_PER_SECOND[device]
    seconds = round(seconds, 1)
    return CostEstimate(trained_tokens=trained_tokens, device_seconds=seconds, credits=device_credits(seconds))


def account_name(user) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "handle", None) or f"user-{user.pk}"


def _credits_balance(user) -> Decimal:
    from portal.billing.services import credits_balance

    return Decimal(credits_balance(user=user))


def finetune_job_create(
    *,
    owner,
    model: str,
    training_file: str,
    validation_file: str | None = None,
    hyperparameters: dict | None = None,
    suffix: str | None = None,
    seed: int | None = None,
    idempotency_key: str = "",
) -> tuple[FineTuningJob, bool]:
    """Validate and queue a job. Returns (job, created); a repeated Idempotency-Key returns the first job."""
    if idempotency_key:
        existing = FineTuningJob.objects.filter(owner=owner, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    base = HostedModel.objects.visible_to(owner).filter(model_id=model, task=HostedModel.Task.CHAT).first()
    if base is None or base.backend != HostedModel.Backend.CAUSAL_LM or base.adapter_path:
        raise FineTuningError(
            f"The model `{model}` does not exist or cannot be fine-tuned; choose a base model from /v1/models.",
            code="model_not_found",
            param="model",
            status=404 if base is None else 400,
        )
    train = _owned_file(owner, training_file, "training_file")
    valid = _owned_file(owner, validation_file, "validation_file") if validation_file else None
    for param, file in (("training_file", train), ("validation_file", valid)):
        if file is not None and file.longest_example_tokens > base.context_length:
            raise FineTuningError(
                f"Line {file.longest_example_line} of `{file.id}` has about {file.longest_example_tokens} tokens; "
                f"`{base.model_id}` accepts at most {base.context_length} per example. Shorten or split it.",
                param=param,
            )
    resolved = resolve_hyperparameters(hyperparameters, example_count=train.example_count)
    if suffix and (len(suffix) > 64 or not all(c.isalnum() or c in "-_" for c in suffix)):
        raise FineTuningError("`suffix` may have up to 64 letters, digits, `-` and `_`.", param="suffix")
    tokens = train.token_estimate
    estimate = estimate_cost(tokens=tokens, n_epochs=resolved["n_epochs"])
    cost = estimate.credits
    balance = _credits_balance(owner)
    if cost > balance:
        raise FineTuningError(
            f"This job is estimated to cost {cost} credits (about {estimate.device_seconds:g} device-seconds "
            f"for {tokens} tokens x {resolved['n_epochs']} epochs) "
            f"and your balance is {balance}. Add credits, use fewer epochs or a smaller file.",
            code="insufficient_credits",
            param=None,
            status=402,
        )
    job = FineTuningJob(
        owner=owner,
        base_model=base,
        training_file=train,
        validation_file=valid,
        hyperparameters=resolved,
        suffix=suffix or "",
        seed=seed if seed is not None else random.randint(0, 2**31 - 1),
        idempotency_key=idempotency_key,
        estimated_tokens=estimate.trained_tokens,
        estimated_device_seconds=estimate.device_seconds,
        estimated_cost=cost,
    )
    job.full_clean()
    with transaction.atomic():
        if idempotency_key:
            # Two racing requests with one key: the unique constraint lets one win.
            from django.db import IntegrityError

            try:
                with transaction.atomic():
                    job.save(force_insert=True)
            except IntegrityError:
                return FineTuningJob.objects.get(owner=owner, idempotency_key=idempotency_key), False
        else:
            job.save(force_insert=True)
        finetune_job_event_add(job=job, message=f"Validating training file: {train.id}")
        if valid is not None:
            finetune_job_event_add(job=job, message=f"Validating validation file: {valid.id}")
        finetune_job_event_add(
            job=job,
            message=f"Files validated ({train.example_count} examples); estimated cost {cost} credits "
            f"(about {estimate.device_seconds:g} device-seconds). "
            "Moving job to queued state",
        )
        FineTuningJob.objects.filter(pk=job.pk).update(status=FineTuningJob.Status.QUEUED)
        job.status = FineTuningJob.Status.QUEUED
        finetune_jobs_admit(owner=owner)
    job.refresh_from_db()
    return job, True


def _owned_file(owner, file_id: str, param: str) -> TrainingFile:
    file = TrainingFile.objects.owned_by(owner).filter(pk=file_id).first()
    if file is None:
        raise FineTuningError(f"No such file: `{file_id}`.", code="file_not_found", param=param, status=404)
    return file


def finetune_jobs_admit(*, owner) -> list[str]:
    """Dispatch the account's oldest queued jobs while it runs fewer than its limit."""
    dispatched: list[tuple[str, str]] = []
    with transaction.atomic():
        # Locking the account row serialises admissions for one account.
        get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
        jobs = list(
            FineTuningJob.objects.select_for_update()
            .filter(owner=owner, status__in=[FineTuningJob.Status.QUEUED, FineTuningJob.Status.RUNNING])
            .order_by("created_at", "id")
        )
        busy = sum(1 for job in jobs if job.status == FineTuningJob.Status.RUNNING or job.dispatch_id)
        for job in jobs:
            if busy >= settings.FINETUNE_MAX_CONCURRENT_JOBS:
                break
            if job.status == FineTuningJob.Status.QUEUED and not job.dispatch_id:
                job.dispatch_id, job.dispatched_at = uuid.uuid4().hex, timezone.now()
                job.save(update_fields=["dispatch_id", "dispatched_at"])
                dispatched.append((job.id, job.dispatch_id))
                busy += 1
        if dispatched:
            transaction.on_commit(lambda: [_send_run_task(job_id, token) for job_id, token in dispatched])
    return [job_id for job_id, _ in dispatched]


def _send_run_task(job_id: str, dispatch_id: str) -> None:
    from .tasks import finetune_job_run

    limit = settings.FINETUNE_TIME_LIMIT_SECONDS
    finetune_job_run.apply_async(
        kwargs={"job_id": job_id, "dispatch_id": dispatch_id},
        queue=settings.FINETUNE_TRAINING_QUEUE,
        soft_time_limit=limit,
        time_limit=limit + 60,
    )


def finetune_job_cancel(*, job: FineTuningJob) -> FineTuningJob:
    """Cancel a job that has not finished; a running one stops within a heartbeat."""
    with transaction.atomic():
        job = FineTuningJob.objects.select_for_update().get(pk=job.pk)
        if job.is_terminal:
            raise FineTuningError(
                f"Job `{job.id}` has already {job.status}; it cannot be cancelled.", param="fine_tuning_job_id"
            )
        was_running = job.status == FineTuningJob.Status.RUNNING
        job.status, job.finished_at = FineTuningJob.Status.CANCELLED, timezone.now()
        job.save(update_fields=["status", "finished_at"])
        finetune_job_event_add(job=job, message="Job cancelled by the user")
        finetune_jobs_admit(owner=job.owner)
        _notify_state(job)
    if not was_running:
        # Nothing ran on a device; a running job is settled by its worker when it stops.
        finetune_job_settle(job_id=job.id)
    return job


def queue_position(job: FineTuningJob) -> int | None:
    """1 for the next job of this account to start; None when the job is not waiting."""
    if job.status != FineTuningJob.Status.QUEUED:
        return None
    if job.dispatch_id:
        return 1
    ahead = FineTuningJob.objects.filter(
        owner_id=job.owner_id, status=FineTuningJob.Status.QUEUED, dispatch_id="", created_at__lt=job.created_at
    ).count()
    return (
        ahead
        + 1
        + (
            1
            if FineTuningJob.objects.filter(owner_id=job.owner_id)
            .exclude(dispatch_id="")
            .filter(status=FineTuningJob.Status.QUEUED)
            .exists()
            else 0
        )
    )


# --- Jobs: the worker side ----------------------------------------------------------------


def finetune_job_event_add(
    *,
    job: FineTuningJob,
    message: str,
    level: str = FineTuningJobEvent.Level.INFO,
    type: str = FineTuningJobEvent.Type.MESSAGE,
    data: dict | None = None,
) -> FineTuningJobEvent:
    return FineTuningJobEvent.objects.create(job=job, message=message, level=level, type=type, data=data)


def finetune_job_claim(*, job_id: str, dispatch_id: str, worker: str) -> FineTuningJob | None:
    """Take a dispatched job for this worker; None when this delivery is stale or the job is done.

    A job still marked running under the same dispatch but with a stale heartbeat is a
    redelivery after its worker died: this worker takes it over.
    """
    stale_before = timezone.now() - timedelta(seconds=settings.FINETUNE_HEARTBEAT_STALE_SECONDS)
    with transaction.atomic():
        job = FineTuningJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.dispatch_id != dispatch_id:
            return None
        takeover = job.status == FineTuningJob.Status.RUNNING and (
            job.heartbeat_at is None or job.heartbeat_at < stale_before
        )
        if job.status != FineTuningJob.Status.QUEUED and not takeover:
            return None
        if job.attempts >= settings.FINETUNE_MAX_ATTEMPTS:
            _fail_locked(job, _crash_message(job), code="worker_crashed")
            return None
        if _credits_balance(job.owner) < job.estimated_cost - job.charged_credits:
            _fail_locked(
                job,
                "Your credit balance no longer covers this job's estimated cost; add credits and create the job again.",
                code="insufficient_credits",
            )
            return None
        job.attempts += 1
        now = timezone.now()
        job.status, job.worker, job.heartbeat_at = FineTuningJob.Status.RUNNING, worker, now
        job.started_at = job.started_at or now
        job.save(update_fields=["attempts", "status", "worker", "heartbeat_at", "started_at"])
        last = job.checkpoints.first()
        if last is None:
            finetune_job_event_add(job=job, message="Fine-tuning job started")
        else:
            finetune_job_event_add(
                job=job,
                message=f"Resuming from the checkpoint at step {last.step} "
                f"(attempt {job.attempts} of {settings.FINETUNE_MAX_ATTEMPTS})",
            )
        if job.attempts == 1:
            _notify_state(job)
    return job


def _crash_message(job: FineTuningJob) -> str:
    return (
        f"The training worker stopped unexpectedly {job.attempts} times while running this job, so it was "
        "stopped. This often means the job needs more memory than a worker has: try a smaller batch_size or "
        "shorter examples, then create the job again."
    )


def finetune_job_heartbeat(*, job_id: str, dispatch_id: str, device_seconds: float) -> bool:
    """Record that the worker is alive and meter its device time; False when the job is no longer ours."""
    return bool(
        FineTuningJob.objects.filter(pk=job_id, dispatch_id=dispatch_id, status=FineTuningJob.Status.RUNNING).update(
            heartbeat_at=timezone.now(), device_seconds=F("device_seconds") + device_seconds
        )
    )


def finetune_job_step_record(
    *,
    job_id: str,
    dispatch_id: str,
    step: int,
    total_steps: int,
    tokens: int,
    loss: float,
    learning_rate: float,
    tokens_per_second: float,
    eta_seconds: float,
) -> None:
    owned = FineTuningJob.objects.filter(pk=job_id, dispatch_id=dispatch_id, status=FineTuningJob.Status.RUNNING)
    updated = owned.update(
        step=step,
        total_steps=total_steps,
        trained_tokens=F("trained_tokens") + tokens,
        estimated_finish=timezone.now() + timedelta(seconds=eta_seconds),
    )
    if updated:
        FineTuningJobEvent.objects.create(
            job_id=job_id,
            type=FineTuningJobEvent.Type.METRICS,
            message=f"Step {step}/{total_steps}: training loss={loss:.4f}",
            data={
                "step": step,
                "total_steps": total_steps,
                "train_loss": loss,
                "learning_rate": learning_rate,
                "tokens_per_second": round(tokens_per_second, 1),
                "eta_seconds": round(eta_seconds, 1),
            },
        )


def finetune_job_checkpoint_record(*, job_id: str, step: int, path: str, metrics: dict) -> None:
    FineTuningCheckpoint.objects.update_or_create(job_id=job_id, step=step, defaults={"path": path, "metrics": metrics})
    message = f"Checkpoint saved at step {step}"
    if "valid_loss" in metrics:
        message += f"; validation loss={metrics['valid_loss']:.4f}"
    FineTuningJobEvent.objects.create(
        job_id=job_id,
        message=message,
        data=metrics,
        type=FineTuningJobEvent.Type.METRICS if "valid_loss" in metrics else "message",
    )


def finetune_job_succeed(*, job_id: str, dispatch_id: str, adapter_path: str, metrics: dict) -> FineTuningJob | None:
    """Register the fine-tuned model for its owner and mark the job succeeded."""
    with transaction.atomic():
        job = FineTuningJob.objects.select_for_update().select_related("base_model", "owner").get(pk=job_id)
        if job.dispatch_id != dispatch_id or job.status != FineTuningJob.Status.RUNNING:
            return None
        base = job.base_model
        model_id = f"ft:{base.model_id}:{account_name(job.owner)}:{job.suffix}:{job.id}"
        hosted = HostedModel(
            model_id=model_id,
            display_name=f"{base.display_name or base.model_id} ({job.suffix or job.id})",
            task=base.task,
            backend=base.backend,
            source=base.source,
            revision=base.revision,
            context_length=base.context_length,
            max_output_tokens=base.max_output_tokens,
            price_per_1k_tokens=base.price_per_1k_tokens,
            owner=job.owner,
            base_model=base,
            adapter_path=adapter_path,
        )
        hosted.full_clean()
        hosted.save()
        job.status, job.finished_at = FineTuningJob.Status.SUCCEEDED, timezone.now()
        job.fine_tuned_model, job.result_model = model_id, hosted
        job.step = job.total_steps
        job.trained_tokens = metrics.get("total_trained_tokens", job.trained_tokens)
        job.save(update_fields=["status", "finished_at", "fine_tuned_model", "result_model", "step", "trained_tokens"])
        summary = f"final training loss={metrics.get('train_loss', float('nan')):.4f}"
        if "valid_loss" in metrics:
            summary += f", validation loss={metrics['valid_loss']:.4f}"
        finetune_job_event_add(job=job, message=f"New fine-tuned model created: {model_id}", data=metrics)
        finetune_job_event_add(job=job, message=f"The job has successfully completed ({summary})")
        finetune_jobs_admit(owner=job.owner)
        _notify_state(job)
    return job


def finetune_job_fail(
    *, job_id: str, message: str, code: str = "training_failed", dispatch_id: str | None = None
) -> FineTuningJob | None:
    with transaction.atomic():
        job = FineTuningJob.objects.select_for_update().get(pk=job_id)
        if job.is_terminal or (dispatch_id is not None and job.dispatch_id != dispatch_id):
            return None
        _fail_locked(job, message, code=code)
    return job


def _fail_locked(job: FineTuningJob, message: str, *, code: str) -> None:
    job.status, job.finished_at = FineTuningJob.Status.FAILED, timezone.now()
    job.error = {"code": code, "message": message, "param": None}
    job.save(update_fields=["status", "finished_at", "error"])
    finetune_job_event_add(job=job, message=message, level=FineTuningJobEvent.Level.ERROR)
    finetune_jobs_admit(owner=job.owner)
    _notify_state(job)
    job_id = job.id
    transaction.on_commit(lambda: finetune_job_settle(job_id=job_id))


def finetune_job_settle(*, job_id: str) -> None:
    """Charge the metered device time of a finished job to the account's credits, once."""
    from portal.billing.services import InsufficientCredits, credits_balance, credits_charge

    with transaction.atomic():
        job = FineTuningJob.objects.select_for_update().select_related("owner").get(pk=job_id)
        if job.settled or not job.is_terminal:
            return
        amount = device_credits(job.device_seconds)
        if amount > 0:
            try:
                credits_charge(
                    user=job.owner,
                    amount=amount,
                    reason="Fine-tuning device time",
                    reference=job.id,
                    kind="fine-tuning",
                )
            except InsufficientCredits:
                # The estimate was covered at the start; charge what is left rather than nothing.
                amount = max(Decimal("0"), Decimal(credits_balance(user=job.owner)))
                if amount:
                    credits_charge(
                        user=job.owner,
                        amount=amount,
                        reason="Fine-tuning device time",
                        reference=job.id,
                        kind="fine-tuning",
                    )
        job.charged_credits, job.settled = amount, True
        job.save(update_fields=["charged_credits", "settled"])
        finetune_job_event_add(
            job=job, message=f"Metered {job.device_seconds:.1f} device-seconds; charged {amount} credits"
        )


def finetune_jobs_reap(*, stale_after: float | None = None) -> list[str]:
    """Re-queue running jobs whose worker stopped sending heartbeats (fail them after the last attempt)."""
    stale_after = settings.FINETUNE_HEARTBEAT_STALE_SECONDS if stale_after is None else stale_after
    cutoff = timezone.now() - timedelta(seconds=stale_after)
    reaped = []
    stale = FineTuningJob.objects.filter(status=FineTuningJob.Status.RUNNING, heartbeat_at__lt=cutoff)
    for job_id in stale.values_list("id", flat=True):
        with transaction.atomic():
            job = FineTuningJob.objects.select_for_update().select_related("owner").get(pk=job_id)
            if job.status != FineTuningJob.Status.RUNNING or job.heartbeat_at >= cutoff:
                continue
            if job.attempts >= settings.FINETUNE_MAX_ATTEMPTS:
                _fail_locked(job, _crash_message(job), code="worker_crashed")
            else:
                job.status, job.dispatch_id, job.worker = FineTuningJob.Status.QUEUED, "", ""
                job.save(update_fields=["status", "dispatch_id", "worker"])
                finetune_job_event_add(
                    job=job,
                    level=FineTuningJobEvent.Level.WARN,
                    message="The worker running this job stopped responding; the job is queued again and will "
                    "resume from its last checkpoint",
                )
                finetune_jobs_admit(owner=job.owner)
            reaped.append(job.id)
    # A job cancelled while its worker was dying has nobody left to charge its device time.
    orphans = FineTuningJob.objects.filter(
        status__in=FineTuningJob.TERMINAL_STATUSES, settled=False, finished_at__lt=cutoff
    ).values_list("id", flat=True)
    for job_id in orphans:
        finetune_job_settle(job_id=job_id)
    return reaped


# --- Notifications -------------------------------------------------------------------------


def _notify_state(job: FineTuningJob) -> None:
    """Webhook for every state change the developer cares about; mail when the job ends."""
    from .webhooks import webhook_event_emit

    webhook_event_emit(
        owner=job.owner,
        event_type=f"fine_tuning.job.{job.status}",
        data={"id": job.id, "status": job.status, "fine_tuned_model": job.fine_tuned_model or None, "error": job.error},
    )
    if job.is_terminal:
        job_id = job.id
        transaction.on_commit(lambda: finetune_job_mail_outcome(job_id=job_id))


def finetune_job_mail_outcome(*, job_id: str) -> None:
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    job = FineTuningJob.objects.select_related("owner").get(pk=job_id)
    context = {"job": job, "url": settings.SITE_URL.rstrip("/") + job.get_absolute_url()}
    try:
        send_mail(
            subject=f"[Atrium] Fine-tuning job {job.id} {job.status}",
            message=render_to_string("finetuning/email/job_finished.txt", context),
            from_email=None,
            recipient_list=[job.owner.email],
        )
    except Exception:  # mail is a courtesy; a mail server outage must not fail the job
        logger.exception("could not mail the outcome of %s", job_id)
