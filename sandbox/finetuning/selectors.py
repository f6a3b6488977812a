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


def job_get_succeeded_for_user(*, user, job_id: str) -> FineTuningJob:
    """The caller's own succeeded job (what may be published as a recipe); any other is a 404."""
    job = job_get_for_user(user=user, job_id=job_id)
    if job.status != FineTuningJob.Status.SUCCEEDED:
        raise NotFound(f"No succeeded fine-tuning job: '{job_id}'.")
    return job


HISTOGRAM_BUCKETS = 8


def job_training_statistics(*, job: FineTuningJob) -> dict:
    """Figures about the job's training file, never its content: examples, tokens per epoch
    and the distribution of example lengths in tokens (the base model's tokenizer on the
    rendered chat template, as the trainer counts them).

    Raises ``tokens.TokenizerUnavailable`` when the base model's tokenizer cannot be read here."""
    import json
    import statistics

    from . import tokens

    count = tokens.example_counter(tokens.CountingModel.of(job.base_model))
    file = job.training_file
    trained_total, lengths = 0, []
    with file.content.open("rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            text = raw.decode("utf-8-sig" if line_number == 1 else "utf-8")
            if not text.strip():
                continue
            trained, length = count(json.loads(text), file.format)
            trained_total += trained
            lengths.append(length)
    if not lengths:
        return {"examples": 0, "tokens": 0, "lengths": {}, "histogram": []}
    ordered = sorted(lengths)
    low, high = ordered[0], ordered[-1]
    width = max(1, -(-(high - low + 1) // HISTOGRAM_BUCKETS))  # ceiling division
    histogram = []
    for start in range(low, high + 1, width):
        end = start + width - 1
        histogram.append({"low": start, "high": end, "count": sum(1 for n in ordered if start <= n <= end)})
    return {
        "examples": len(ordered),
        "tokens": trained_total,
        "lengths": {
            "min": low,
            "median": int(statistics.median(ordered)),
            "p90": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
            "max": high,
            "mean": round(sum(ordered) / len(ordered), 1),
        },
        "histogram": histogram,
    }


def chat_sample_parse(*, text: str, max_examples: int, max_bytes: int) -> list[dict]:
    """Examples pasted as JSONL in the chat format (as a training file's lines), validated
    as an upload is; raises ``validation.TrainingDataInvalid`` (or ``FileTooLarge``) naming
    the problem by line."""
    import json

    from . import validation

    raw = (text or "").strip().encode()
    summary = validation.validate_lines(
        [raw], max_bytes=max_bytes, min_examples=1, max_example_tokens=2**31, count_tokens=lambda record, fmt: (0, 0)
    )
    if summary.format != "chat":
        raise validation.TrainingDataInvalid([(None, "a sample must be in the chat format (`messages`)")])
    if summary.example_count > max_examples:
        raise validation.TrainingDataInvalid(
            [(None, f"a sample has at most {max_examples} examples; this one has {summary.example_count}")]
        )
    return [json.loads(line) for line in raw.decode().splitlines() if line.strip()]
