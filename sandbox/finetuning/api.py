"""/v1/files and /v1/fine_tuning/jobs: OpenAI's wire format, one view per operation.

Every view inherits `FineTuningApiView`: API-key authentication, the scope check, rate
limits, and OpenAI's error shape for every error (FineTuningError included).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from sandbox.gateway.asgi import MULTIPART_OVERHEAD_BYTES
from sandbox.gateway.base import V1View
from sandbox.gateway.errors import OpenAIError
from sandbox.gateway.parsers import V1JSONParser
from sandbox.gateway.serializers import ErrorResponse, StrictCharField

from . import hyperparameters, schema, selectors, services
from .models import FineTuningJob, TrainingFile

MAX_PAGE_SIZE = 10_000


class FineTuningApiView(V1View):
    """/v1's base view (key, scope, rate limits, JSON only, never an HTML error page);
    the fine-tuning services' FineTuningError is an OpenAIError, answered as it is."""

    parser_classes = [V1JSONParser]

    @property
    def metered_endpoint(self) -> str:
        """Each call is metered (the request log lists it): under /v1/files or /v1/fine_tuning/jobs."""
        return "files" if self.required_scope == "files" else "fine_tuning.jobs"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        for name, value in kwargs.items():
            if "\x00" in value:  # no id holds one, and PostgreSQL refuses it in a query
                raise OpenAIError(404, f"No such object: the `{name}` holds a NUL character.", code="not_found")


# --- Output shapes ------------------------------------------------------------------------


def _ts(value) -> int | None:
    return int(value.timestamp()) if value else None


def file_object(file: TrainingFile) -> dict:
    return {
        "id": file.id,
        "object": "file",
        "bytes": file.bytes,
        "created_at": _ts(file.created_at),
        "filename": file.filename,
        "purpose": file.purpose,
        "status": "processed",
        "status_details": None,
        "expires_at": None,
    }


def job_object(job: FineTuningJob) -> dict:
    hp = job.hyperparameters
    hyper = {
        "n_epochs": hp.get("n_epochs"),
        "batch_size": hp.get("batch_size"),
        "learning_rate_multiplier": hp.get("learning_rate_multiplier"),
        "rank": hp.get("rank"),
    }
    return {
        "object": "fine_tuning.job",
        "id": job.id,
        "model": job.base_model.model_id,
        "created_at": _ts(job.created_at),
        "finished_at": _ts(job.finished_at),
        "fine_tuned_model": job.fine_tuned_model or None,
        "organization_id": f"user-{job.owner_id}",
        "result_files": [],
        "status": job.status,
        "validation_file": job.validation_file_id,
        "training_file": job.training_file_id,
        "hyperparameters": hyper,
        "trained_tokens": job.trained_tokens if job.status == FineTuningJob.Status.SUCCEEDED else None,
        "error": job.error,
        "user_provided_suffix": job.suffix or None,
        "seed": job.seed,
        "estimated_finish": _ts(job.estimated_finish) if job.status == FineTuningJob.Status.RUNNING else None,
        "integrations": [],
        "metadata": None,
        "method": {"type": "supervised", "supervised": {"hyperparameters": hyper}},
        # Atrium's additions.
        "estimated_cost": str(job.estimated_cost),
        "estimated_tokens": job.estimated_tokens,
        "estimated_device_seconds": job.estimated_device_seconds,
        "charged_credits": str(job.charged_credits),
        "device_seconds": round(job.device_seconds, 2),
        "queue_position": selectors.queue_position(job),
        "progress": job.progress_percent,
        "step": job.step,
        "total_steps": job.total_steps,
    }


def event_object(event) -> dict:
    return {
        "object": "fine_tuning.job.event",
        "id": event.public_id,
        "created_at": _ts(event.created_at),
        "level": event.level,
        "message": event.message,
        "data": event.data,
        "type": event.type,
    }


def checkpoint_object(checkpoint, job: FineTuningJob) -> dict:
    base = (
        job.fine_tuned_model or f"ft:{job.base_model.model_id}:{services.account_name(job.owner)}:{job.suffix}:{job.id}"
    )
    return {
        "object": "fine_tuning.job.checkpoint",
        "id": checkpoint.id,
        "created_at": _ts(checkpoint.created_at),
        "fine_tuned_model_checkpoint": selectors.checkpoint_model_id(base, checkpoint.step),
        "step_number": checkpoint.step,
        "metrics": checkpoint.metrics,
        "fine_tuning_job_id": job.id,
    }


def page(items: list, to_dict, limit: int, *, ids=lambda o: o.get("id")) -> dict:
    has_more = len(items) > limit
    data = [to_dict(item) for item in items[:limit]]
    return {
        "object": "list",
        "data": data,
        "has_more": has_more,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }


class PageInput(serializers.Serializer):
    """OpenAI's cursor parameters; the schema documents these fields as the query parameters."""

    after = serializers.CharField(
        required=False, allow_blank=True, help_text="Cursor: the id of the last object of the previous page."
    )
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=20, help_text="How many objects."
    )

    @classmethod
    def from_query(cls, request) -> dict:
        """The validated query string. A plain dict, not the QueryDict: DRF reads an empty
        form value as absent, and `limit=` must be refused like any other non-integer."""
        params = cls(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        return params.validated_data


class CheckpointPageInput(PageInput):
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=10, help_text="How many objects."
    )


class FilePageInput(PageInput):
    purpose = serializers.CharField(required=False, help_text="Only files of this purpose.")


# --- Files ----------------------------------------------------------------------------------


class UploadTooLarge(OpenAIError):
    def __init__(self, limit: int):
        super().__init__(
            413, f"The file is larger than the limit of {limit} bytes.", code="file_too_large", param="file"
        )


class SizeLimitedUploadHandler(FileUploadHandler):
    """Stops reading the upload as soon as it passes the limit (no Content-Length needed)."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit, self.received = limit, 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise UploadTooLarge(self.limit)
        return raw_data

    def file_complete(self, file_size):
        return None


class FileListCreateApi(FineTuningApiView):
    required_scope = "files"
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()
        purpose = serializers.ChoiceField(
            choices=[TrainingFile.Purpose.FINE_TUNE.value],
            error_messages={"invalid_choice": "Unsupported purpose `{input}`; use `fine-tune`."},
        )

    @schema.operation(
        "createFile",
        "Upload a file",
        schema.FileObject,
        request={"multipart/form-data": InputSerializer},
        tags=("Files",),
    )
    def post(self, request):
        limit = settings.FINETUNE_MAX_FILE_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit + MULTIPART_OVERHEAD_BYTES:
            raise UploadTooLarge(limit)  # refused before a byte of the body is read
        request._request.upload_handlers = [
            SizeLimitedUploadHandler(request._request, limit=limit),
            TemporaryFileUploadHandler(request._request),
        ]
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        file = services.file_create(
            owner=request.user, upload=serializer.validated_data["file"], purpose=serializer.validated_data["purpose"]
        )
        return Response(file_object(file), status=status.HTTP_200_OK)

    @schema.operation(
        "listFiles",
        "List files",
        schema.FileList,
        tags=("Files",),
        parameters=[FilePageInput],
    )
    def get(self, request):
        params = FilePageInput.from_query(request)
        files = selectors.file_list_for_user(user=request.user)
        if params.get("purpose"):
            files = files.filter(purpose=params["purpose"])
        files = selectors.after_cursor(files, params.get("after"))
        limit = params["limit"]
        return Response(page(list(files[: limit + 1]), file_object, limit))


class FileDetailApi(FineTuningApiView):
    required_scope = "files"

    @schema.operation("retrieveFile", "Retrieve a file", schema.FileObject, tags=("Files",))
    def get(self, request, file_id: str):
        return Response(file_object(selectors.file_get_for_user(user=request.user, file_id=file_id)))

    @schema.operation(
        "deleteFile",
        "Delete a file",
        schema.DeletedFile,
        tags=("Files",),
        errors={409: OpenApiResponse(ErrorResponse, description="A fine-tuning job uses the file.")},
    )
    def delete(self, request, file_id: str):
        file = selectors.file_get_for_user(user=request.user, file_id=file_id)
        services.file_delete(file=file)
        return Response({"id": file_id, "object": "file", "deleted": True})


class RawContentNegotiation(DefaultContentNegotiation):
    """File content is bytes whatever the client accepts (the SDK asks for application/binary)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FileContentApi(FineTuningApiView):
    required_scope = "files"
    content_negotiation_class = RawContentNegotiation

    @schema.operation(
        "downloadFile",
        "Retrieve file content",
        OpenApiResponse(OpenApiTypes.BINARY, description="The file's bytes (JSONL)."),
        tags=("Files",),
        media_type="application/jsonl",
    )
    def get(self, request, file_id: str):
        file = selectors.file_get_for_user(user=request.user, file_id=file_id)
        return FileResponse(file.content.open("rb"), content_type="application/jsonl", filename=file.filename)


# --- Jobs ------------------------------------------------------------------------------------


class AutoOrNumber(serializers.Field):
    """A hyperparameter: "auto" (or null), or a number within the range the trainer takes
    (``hyperparameters.LIMITS``; ``schema.AutoOrNumberSchema`` documents the same range)."""

    def __init__(self, *, name: str, **kwargs):
        self.low, self.high = hyperparameters.LIMITS[name]
        self.integer = name != "learning_rate_multiplier"
        kind = "an integer" if self.integer else "a number"
        kwargs.setdefault("error_messages", {})["invalid"] = (
            f'Expected "auto" or {kind} from {self.low} to {self.high}.'
        )
        super().__init__(required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        if data == "auto":
            return data
        if isinstance(data, float) and self.integer and data.is_integer():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int if self.integer else (int, float)):
            self.fail("invalid")
        if not self.low <= data <= self.high:
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class HyperparametersInput(serializers.Serializer):
    n_epochs = AutoOrNumber(name="n_epochs")
    batch_size = AutoOrNumber(name="batch_size")
    learning_rate_multiplier = AutoOrNumber(name="learning_rate_multiplier")
    rank = AutoOrNumber(name="rank", help_text="LoRA rank (Atrium's addition).")

    def to_internal_value(self, data):
        if isinstance(data, dict):
            for name in data:
                if name not in self.fields:
                    raise serializers.ValidationError(
                        {name: [f"Unknown hyperparameter; use {', '.join(self.fields)}."]}
                    )
        return super().to_internal_value(data)


class SupervisedMethodInput(serializers.Serializer):
    hyperparameters = HyperparametersInput(required=False, allow_null=True)


class MethodInput(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["supervised"],
        required=False,
        default="supervised",
        error_messages={"invalid_choice": "Only the `supervised` method is supported."},
    )
    supervised = SupervisedMethodInput(required=False, allow_null=True)


class JobListCreateApi(FineTuningApiView):
    required_scope = "fine-tuning"

    class InputSerializer(serializers.Serializer):
        model = StrictCharField(min_length=1)
        training_file = StrictCharField(min_length=1)
        validation_file = StrictCharField(required=False, allow_null=True, allow_blank=True)
        hyperparameters = HyperparametersInput(required=False, allow_null=True)
        method = MethodInput(required=False, allow_null=True)
        suffix = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=64)
        seed = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2**31 - 1)

        def to_internal_value(self, data):
            # Strict JSON types, as the inference endpoints: "5" is not an integer.
            seed = data.get("seed") if isinstance(data, dict) else None
            if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
                raise serializers.ValidationError({"seed": ["Expected an integer."]})
            return super().to_internal_value(data)

    @schema.operation(
        "createFineTuningJob",
        "Create a fine-tuning job",
        schema.JobObject,
        request=InputSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                description="A retried request with the same key returns the same job.",
            )
        ],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        hyperparameters = data.get("hyperparameters")
        if not hyperparameters:
            hyperparameters = ((data.get("method") or {}).get("supervised") or {}).get("hyperparameters")
        job, created = services.finetune_job_create(
            owner=request.user,
            model=data["model"],
            training_file=data["training_file"],
            validation_file=data.get("validation_file") or None,
            hyperparameters=hyperparameters,
            suffix=data.get("suffix"),
            seed=data.get("seed"),
            idempotency_key=request.headers.get("Idempotency-Key", "")[:255],
        )
        return Response(job_object(job), status=status.HTTP_200_OK)

    @schema.operation("listFineTuningJobs", "List fine-tuning jobs", schema.JobList, parameters=[PageInput])
    def get(self, request):
        params = PageInput.from_query(request)
        jobs = selectors.after_cursor(selectors.job_list_for_user(user=request.user), params.get("after"))
        limit = params["limit"]
        return Response(page(list(jobs[: limit + 1]), job_object, limit))


class JobDetailApi(FineTuningApiView):
    required_scope = "fine-tuning"

    @schema.operation("retrieveFineTuningJob", "Retrieve a fine-tuning job", schema.JobObject)
    def get(self, request, job_id: str):
        return Response(job_object(selectors.job_get_for_user(user=request.user, job_id=job_id)))


class JobCancelApi(FineTuningApiView):
    required_scope = "fine-tuning"

    @schema.operation("cancelFineTuningJob", "Cancel a fine-tuning job", schema.JobObject)
    def post(self, request, job_id: str):
        job = services.finetune_job_cancel(job=selectors.job_get_for_user(user=request.user, job_id=job_id))
        job.refresh_from_db()
        return Response(job_object(job))


class JobEventsApi(FineTuningApiView):
    required_scope = "fine-tuning"

    @schema.operation("listFineTuningEvents", "List a job's events", schema.JobEventList, parameters=[PageInput])
    def get(self, request, job_id: str):
        params = PageInput.from_query(request)
        job = selectors.job_get_for_user(user=request.user, job_id=job_id)
        limit = params["limit"]
        events = list(selectors.job_events(job=job, after=params.get("after"))[: limit + 1])
        return Response(page(events, event_object, limit))


class JobCheckpointsApi(FineTuningApiView):
    required_scope = "fine-tuning"

    @schema.operation(
        "listFineTuningCheckpoints",
        "List a job's checkpoints",
        schema.CheckpointList,
        parameters=[CheckpointPageInput],
    )
    def get(self, request, job_id: str):
        params = CheckpointPageInput.from_query(request)
        job = selectors.job_get_for_user(user=request.user, job_id=job_id)
        checkpoints = job.checkpoints.all()
        after = params.get("after")
        if after:
            anchor = checkpoints.filter(pk=after).first()
            checkpoints = checkpoints.filter(step__lt=anchor.step) if anchor else checkpoints.none()
        limit = params["limit"]
        return Response(page(list(checkpoints[: limit + 1]), lambda c: checkpoint_object(c, job), limit))
