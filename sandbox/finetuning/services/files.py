"""Training files: upload (validated by content), delete."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from community.activity.services import activity_record
from sandbox.registry.selectors import longest_chat_context

from .. import tokens, validation
from ..errors import FineTuningError
from ..models import FineTuningJob, TrainingFile

logger = logging.getLogger(__name__)


def file_create(*, owner, upload: UploadedFile, purpose: str) -> TrainingFile:
    """Validate an uploaded JSONL file and store it; an invalid file stores nothing.

    Its tokens are counted as the trainer will see them, with the default chat model's
    tokenizer (a job on a model with another tokenizer counts the file again)."""
    if purpose != TrainingFile.Purpose.FINE_TUNE:
        raise FineTuningError(f"Unsupported purpose `{purpose}`; use `fine-tune`.", param="purpose")
    counting_model = tokens.default_counting_model()
    summary = file_check(upload=upload, counting_model=counting_model, max_example_tokens=max_context_length())
    upload.seek(0)
    file = TrainingFile(
        owner=owner,
        purpose=purpose,
        filename=Path(upload.name or "data.jsonl").name[:255],
        bytes=summary.bytes,
        format=summary.format,
        example_count=summary.example_count,
        token_count=summary.token_count,
        tokens_counted_with=counting_model.model_id,
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


def file_check(
    *, upload: UploadedFile, counting_model: tokens.CountingModel, max_example_tokens: int
) -> validation.DataSummary:
    """Validate an upload, counting its tokens with ``counting_model``'s tokenizer; stores nothing.

    Raises FineTuningError with the file's problems (and so no figures) when it is invalid."""
    try:
        count_tokens = tokens.example_counter(counting_model)
    except tokens.TokenizerUnavailable as exc:
        logger.error("cannot count the tokens of uploads: %s", exc)
        raise FineTuningError(
            "Training files cannot be checked right now: the tokenizer that counts their tokens is unavailable. "
            "Try again later.",
            code="tokenizer_unavailable",
            param="file",
            status=503,
        ) from exc
    try:
        summary = validation.validate_lines(
            upload.chunks(),
            max_bytes=settings.FINETUNE_MAX_FILE_BYTES,
            min_examples=settings.FINETUNE_MIN_EXAMPLES,
            max_example_tokens=max_example_tokens,
            count_tokens=count_tokens,
        )
    except validation.FileTooLarge as exc:
        raise FineTuningError(str(exc), code="file_too_large", param="file", status=413) from exc
    except validation.TrainingDataInvalid as exc:
        raise FineTuningError(exc.describe(), code="invalid_file", param="file") from exc
    finally:
        upload.seek(0)
    return summary


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
