"""Training files: upload (validated by content), delete."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from community.activity.services import activity_record
from sandbox.registry.selectors import longest_chat_context

from .. import validation
from ..errors import FineTuningError
from ..models import FineTuningJob, TrainingFile

logger = logging.getLogger(__name__)


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
    activity_record(
        actor=owner,
        verb="finetune.file.uploaded",
        target=file,
        properties={"purpose": purpose, "bytes": file.bytes, "examples": file.example_count},
    )
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
    return longest_chat_context()
