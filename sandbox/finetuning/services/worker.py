"""Jobs, the worker side: claim a dispatched job, heartbeat and meter, record steps and
checkpoints, succeed (registering the `ft:` model), fail, settle the charge, reap jobs
whose worker vanished."""

from __future__ import annotations

import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sandbox.registry.services import hosted_model_derive

from ..models import FineTuningCheckpoint, FineTuningJob, FineTuningJobEvent
from ..pricing import device_credits
from ..selectors import checkpoint_model_id
from .events import finetune_job_event_add
from .jobs import account_name, credits_balance_of, finetune_jobs_admit
from .outcomes import notify_state


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
        if credits_balance_of(job.owner) < job.estimated_cost - job.charged_credits:
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
            notify_state(job)
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
        hosted = hosted_model_derive(
            base=base,
            model_id=model_id,
            owner=job.owner,
            adapter_path=adapter_path,
            display_name=f"{base.display_name or base.model_id} ({job.suffix or job.id})",
        )
        job.status, job.finished_at = FineTuningJob.Status.SUCCEEDED, timezone.now()
        job.fine_tuned_model, job.result_model = model_id, hosted
        _register_checkpoints(job, model_id)
        job.step = job.total_steps
        job.trained_tokens = metrics.get("total_trained_tokens", job.trained_tokens)
        job.save(update_fields=["status", "finished_at", "fine_tuned_model", "result_model", "step", "trained_tokens"])
        summary = f"final training loss={metrics.get('train_loss', float('nan')):.4f}"
        if "valid_loss" in metrics:
            summary += f", validation loss={metrics['valid_loss']:.4f}"
        finetune_job_event_add(job=job, message=f"New fine-tuned model created: {model_id}", data=metrics)
        finetune_job_event_add(job=job, message=f"The job has successfully completed ({summary})")
        finetune_jobs_admit(owner=job.owner)
        notify_state(job)
    return job


# As OpenAI's: the checkpoints of the last three epochs stay, the final one included.
KEPT_EPOCH_CHECKPOINTS = 3


def _register_checkpoints(job: FineTuningJob, model_id: str) -> None:
    """Keep the checkpoints of the last epochs' ends and serve each as a model of the job's
    owner (`<ft model>:ckpt-step-N`); the ones kept only to resume a crashed job go.

    Their files go after the commit; the kept ones lose their optimizer state, which only
    a resume needed."""
    n_epochs = int(job.hyperparameters.get("n_epochs") or 1)
    per_epoch = max(1, job.total_steps // n_epochs) if job.total_steps else 0
    checkpoints = list(job.checkpoints.order_by("-step"))
    kept = [c for c in checkpoints if per_epoch and c.step % per_epoch == 0][:KEPT_EPOCH_CHECKPOINTS]
    dropped = [c for c in checkpoints if c not in kept]
    FineTuningCheckpoint.objects.filter(pk__in=[c.pk for c in dropped]).delete()
    base = job.base_model
    for checkpoint in kept:
        hosted_model_derive(
            base=base,
            model_id=checkpoint_model_id(model_id, checkpoint.step),
            owner=job.owner,
            adapter_path=str(Path(checkpoint.path) / "adapter"),
            display_name=f"{base.display_name or base.model_id} ({job.suffix or job.id}, step {checkpoint.step})",
        )

    def tidy() -> None:
        for checkpoint in dropped:
            shutil.rmtree(checkpoint.path, ignore_errors=True)
        for checkpoint in kept:
            Path(checkpoint.path, "state.pt").unlink(missing_ok=True)

    transaction.on_commit(tidy)


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
    notify_state(job)
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

            def charge(credits: Decimal) -> None:
                credits_charge(
                    user=job.owner,
                    amount=credits,
                    reason="Fine-tuning device time",
                    reference=job.id,
                    kind="fine-tuning",
                )

            try:
                charge(amount)
            except InsufficientCredits:
                # The estimate was covered at the start; charge what is left rather than nothing.
                amount = max(Decimal("0"), Decimal(credits_balance(user=job.owner)))
                if amount:
                    charge(amount)
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
