"""Jobs, the web side: estimate, create (validated, estimated, admitted), admit, cancel."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from community.activity.services import activity_record
from portal.apikeys.keyformat import redact_keylike
from sandbox.registry.selectors import Backend, Task, hosted_model_visible

from .. import tokens
from ..errors import FineTuningError
from ..hyperparameters import resolve_hyperparameters
from ..models import FineTuningJob, TrainingFile
from ..pricing import CostEstimate, estimate_cost
from .events import finetune_job_event_add
from .files import file_check
from .outcomes import notify_state


def account_name(user) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "handle", None) or f"user-{user.pk}"


def credits_balance_of(user) -> Decimal:
    from portal.billing.services import credits_balance

    return Decimal(credits_balance(user=user))


@dataclass(frozen=True)
class JobEstimate:
    """What a job would train and cost, before it exists: the new-job form shows it, the
    job keeps it, and the API returns it (one computation for all three)."""

    base_model: object  # the registry's HostedModel
    training_file: TrainingFile | None  # None for an upload checked but not stored
    validation_file: TrainingFile | None
    hyperparameters: dict  # resolved
    cost: CostEstimate


def finetune_job_estimate(
    *,
    owner,
    model: str,
    training_file: str | None = None,
    validation_file: str | None = None,
    hyperparameters: dict | None = None,
    upload: UploadedFile | None = None,
) -> JobEstimate:
    """Check a job's model, files and hyperparameters and predict its tokens and charge.

    The files' tokens are counted with the base model's own tokenizer (the count made at
    upload when that was the same model), as the trainer will count them. ``upload``, a
    file not stored yet, is validated instead of ``training_file``: an invalid one raises
    its problems, never an estimate.
    """
    base = hosted_model_visible(user=owner, model_id=model)
    if base is not None and base.task != Task.CHAT:
        base = None
    if base is None or base.backend != Backend.CAUSAL_LM or base.adapter_path:
        raise FineTuningError(
            f"The model `{model}` does not exist or cannot be fine-tuned; choose a base model from /v1/models.",
            code="model_not_found",
            param="model",
            status=404 if base is None else 400,
        )
    counting_model = tokens.CountingModel.of(base)
    if upload is not None:
        summary = file_check(upload=upload, counting_model=counting_model, max_example_tokens=base.context_length)
        train, train_tokens, example_count = None, summary.token_count, summary.example_count
    else:
        train = _owned_file(owner, training_file or "", "training_file")
        train_tokens = _file_tokens(train, base, counting_model, "training_file").tokens
        example_count = train.example_count
    valid = _owned_file(owner, validation_file, "validation_file") if validation_file else None
    if valid is not None:
        _file_tokens(valid, base, counting_model, "validation_file")
    resolved = resolve_hyperparameters(hyperparameters, example_count=example_count, tokens=train_tokens)
    cost = estimate_cost(tokens=train_tokens, n_epochs=resolved["n_epochs"], model_id=base.model_id)
    return JobEstimate(base_model=base, training_file=train, validation_file=valid, hyperparameters=resolved, cost=cost)


def _file_tokens(file: TrainingFile, base, counting_model: tokens.CountingModel, param: str) -> tokens.FileTokens:
    """The file counted with the base model's tokenizer; refused when an example is longer than its context."""
    try:
        counted = tokens.file_tokens(file, counting_model)
    except tokens.TokenizerUnavailable as exc:
        raise FineTuningError(
            f"The tokenizer of `{base.model_id}` is not available right now, so the job cannot be estimated; "
            "try again later.",
            code="model_unavailable",
            param="model",
            status=503,
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:  # a file stored before uploads were checked as now
        raise FineTuningError(
            f"`{file.id}` cannot be read as {file.format} training data; upload it again.",
            code="invalid_file",
            param=param,
        ) from exc
    if counted.longest_example_tokens > base.context_length:
        raise FineTuningError(
            f"Line {counted.longest_example_line} of `{file.id}` has {counted.longest_example_tokens} tokens; "
            f"`{base.model_id}` accepts at most {base.context_length} per example. Shorten or split it.",
            param=param,
        )
    return counted


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
    recipe: int | None = None,
) -> tuple[FineTuningJob, bool]:
    """Validate and queue a job. Returns (job, created); a repeated Idempotency-Key returns the first job.

    ``recipe``: the id of the community recipe the job was forked from, kept on the job and
    carried in its activities (the recipes app counts forks from them)."""
    if idempotency_key:
        existing = FineTuningJob.objects.filter(owner=owner, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    # The request's own fields first: they cost nothing to check, the estimate tokenizes files.
    if suffix and (len(suffix) > 64 or not all(c.isalnum() or c in "-_" for c in suffix)):
        raise FineTuningError("`suffix` may have up to 64 letters, digits, `-` and `_`.", param="suffix")
    if suffix and redact_keylike(suffix) != suffix:  # it would be kept in the job and the model's id
        raise FineTuningError("`suffix` looks like an API key; choose another name.", param="suffix")
    planned = finetune_job_estimate(
        owner=owner,
        model=model,
        training_file=training_file,
        validation_file=validation_file,
        hyperparameters=hyperparameters,
    )
    base, train, valid, resolved, estimate = (
        planned.base_model,
        planned.training_file,
        planned.validation_file,
        planned.hyperparameters,
        planned.cost,
    )
    cost = estimate.credits
    balance = credits_balance_of(owner)
    if cost > balance:
        raise FineTuningError(
            f"This job is estimated to cost {cost} credits (about {estimate.device_seconds:g} device-seconds "
            f"for {estimate.tokens} tokens x {estimate.n_epochs} epochs) "
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
        recipe=recipe,
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
            message=f"Files validated ({train.example_count} examples, {estimate.tokens} tokens); "
            f"estimated cost {cost} credits (about {estimate.device_seconds:g} device-seconds). "
            "Moving job to queued state",
        )
        FineTuningJob.objects.filter(pk=job.pk).update(status=FineTuningJob.Status.QUEUED)
        job.status = FineTuningJob.Status.QUEUED
        finetune_jobs_admit(owner=owner)
    job.refresh_from_db()
    activity_record(
        actor=owner,
        verb="finetune.job.created",
        target=job,
        properties={
            "base_model": base.pk,
            "training_file": train.id,
            "estimated_cost": str(cost),
            "recipe": job.recipe,
        },
    )
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
    from ..tasks import finetune_job_run

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
        notify_state(job)
    if not was_running:
        # Nothing ran on a device; a running job is settled by its worker when it stops.
        _settle(job_id=job.id)
    return job


def _settle(*, job_id: str) -> None:
    from .worker import finetune_job_settle

    finetune_job_settle(job_id=job_id)
