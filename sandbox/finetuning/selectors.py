"""Reads of fine-tuning, always scoped to the caller: someone else's file or job is a 404."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from sandbox.gateway.errors import NotFound

from .models import FineTuningJob, FineTuningJobEvent, TrainingFile


def file_get_for_user(*, user, file_id: str) -> TrainingFile:
    file = TrainingFile.objects.owned_by(user).filter(pk=file_id).first()
    if file is None:
        raise NotFound(f"No such file: '{file_id}'.")
    return file


def file_list_for_user(*, user) -> QuerySet[TrainingFile]:
    return TrainingFile.objects.owned_by(user)


def job_get_for_user(*, user, job_id: str) -> FineTuningJob:
    job = FineTuningJob.objects.owned_by(user).select_related("base_model", "training_file").filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"No such fine-tuning job: '{job_id}'.")
    return job


def job_list_for_user(*, user) -> QuerySet[FineTuningJob]:
    return FineTuningJob.objects.owned_by(user).select_related("base_model")


def after_cursor(queryset: QuerySet, after: str | None) -> QuerySet:
    """Items after `after` in (-created_at, -id) order, as OpenAI's `after` parameter."""
    if not after:
        return queryset
    anchor = queryset.filter(pk=after).values("created_at", "id").first()
    if anchor is None:
        return queryset.none()
    return queryset.filter(
        Q(created_at__lt=anchor["created_at"]) | Q(created_at=anchor["created_at"], id__lt=anchor["id"])
    )


def job_events(*, job: FineTuningJob, after: str | None = None) -> QuerySet[FineTuningJobEvent]:
    events = job.events.all()
    if after:
        try:
            events = events.filter(id__lt=int(after.removeprefix("ftevent-")))
        except ValueError:
            return events.none()
    return events


def job_loss_series(*, job: FineTuningJob) -> dict:
    """Per-step training loss and validation loss points for the job page's chart."""
    rows = job.events.filter(type=FineTuningJobEvent.Type.METRICS).order_by("id").values_list("data", flat=True)
    train, valid = [], []
    for data in rows:
        if not data:
            continue
        if "train_loss" in data and "learning_rate" in data:
            train.append({"x": data["step"], "y": data["train_loss"]})
        if "valid_loss" in data:
            valid.append({"x": data["step"], "y": data["valid_loss"]})
    return {"train": train, "valid": valid}


def checkpoint_model_id(fine_tuned_model: str, step: int) -> str:
    """The model id of a job's checkpoint, as OpenAI's `fine_tuned_model_checkpoint`."""
    return f"{fine_tuned_model}:ckpt-step-{step}"


def job_checkpoints(*, job: FineTuningJob) -> list:
    """The job's checkpoints, newest first; once the job succeeded each has its `model_id`."""
    checkpoints = list(job.checkpoints.all())
    for checkpoint in checkpoints:
        checkpoint.model_id = checkpoint_model_id(job.fine_tuned_model, checkpoint.step) if job.fine_tuned_model else ""
    return checkpoints


def job_loss_summary(*, job: FineTuningJob) -> dict | None:
    """The first and latest training loss (and the latest validation loss) for the job page."""
    series = job_loss_series(job=job)
    if not series["train"]:
        return None
    train = series["train"]
    return {
        "first": train[0],
        "last": train[-1],
        "lowest": min(point["y"] for point in train),
        "valid": series["valid"][-1] if series["valid"] else None,
    }


def active_job_count(*, user) -> int:
    return FineTuningJob.objects.filter(owner=user, status__in=FineTuningJob.ACTIVE_STATUSES).count()


def job_status_counts(*, since) -> dict[str, int]:
    """Every account's jobs created since `since`, by status (staff dashboards)."""
    from django.db.models import Count

    rows = FineTuningJob.objects.filter(created_at__gte=since).values("status").annotate(count=Count("id"))
    return {row["status"]: row["count"] for row in rows}


def queue_positions(*, owner) -> dict[str, int]:
    """Every waiting job of the account and its place in line (1: starts next), in one query.

    A job already dispatched to a worker is next; the others follow in creation order.
    """
    waiting = list(
        FineTuningJob.objects.filter(owner=owner, status=FineTuningJob.Status.QUEUED)
        .order_by("created_at", "id")
        .values_list("id", "dispatch_id")
    )
    dispatched = any(dispatch_id for _id, dispatch_id in waiting)
    positions, place = {}, 1 + dispatched
    for job_id, dispatch_id in waiting:
        if dispatch_id:
            positions[job_id] = 1
        else:
            positions[job_id] = place
            place += 1
    return positions


def queue_position(job: FineTuningJob) -> int | None:
    """1 for the next job of this account to start; None when the job is not waiting."""
    if job.status != FineTuningJob.Status.QUEUED:
        return None
    return queue_positions(owner=job.owner_id).get(job.id)
