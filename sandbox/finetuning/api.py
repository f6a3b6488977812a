"""/v1/files and /v1/fine_tuning/jobs: OpenAI's wire format, one view per operation.

Every view inherits `FineTuningApiView`: API-key authentication, the scope check, and
OpenAI's error shape for every error (FineTuningError included).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
from django.http import FileResponse, Http404
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from sandbox.gateway.auth import ApiKeyAuthentication, HasScope
from sandbox.gateway.errors import OpenAIError, openai_exception_handler

from . import schema, selectors, services
from .models import FineTuningJob, TrainingFile

# Room for the multipart envelope and the other form fields around the file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def _handle(exc, context):
    if isinstance(exc, services.FineTuningError):
        exc = OpenAIError(exc.status, exc.message, code=exc.code, param=exc.param)
    elif isinstance(exc, Http404):
        exc = OpenAIError(404, str(exc) or "Not found.", code="not_found")
    return openai_exception_handler(exc, context)


class FineTuningApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    parser_classes = [JSONParser]

    def get_exception_handler(self):
        return _handle


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
        "fine_tuned_model_checkpoint": f"{base}:ckpt-step-{checkpoint.step}",
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
    after = serializers.CharField(required=False, allow_blank=True)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=10_000, default=20)


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
        purpose = serializers.CharField()

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
        parameters=[*schema.PAGE, schema.OpenApiParameter("purpose", str, description="Only files of this purpose.")],
    )
    def get(self, request):
        params = PageInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        files = selectors.file_list_for_user(user=request.user)
        if request.query_params.get("purpose"):
            files = files.filter(purpose=request.query_params["purpose"])
        files = selectors.after_cursor(files, params.validated_data.get("after"))
        limit = params.validated_data["limit"]
        return Response(page(list(files[: limit + 1]), file_object, limit))


class FileDetailApi(FineTuningApiView):
    required_scope = "files"

    @schema.operation("retrieveFile", "Retrieve a file", schema.FileObject, tags=("Files",))
    def get(self, request, file_id: str):
        return Response(file_object(selectors.file_get_for_user(user=request.user, file_id=file_id)))

    @schema.operation("deleteFile", "Delete a file", schema.DeletedFile, tags=("Files",))
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
        schema.OpenApiResponse(schema.OpenApiTypes.BINARY, description="The file's bytes (JSONL)."),
        tags=("Files",),
    )
    def get(self, request, file_id: str):
        file = selectors.file_get_for_user(user=request.user, file_id=file_id)
        return FileResponse(file.content.open("rb"), content_type="application/jsonl", filename=file.filename)


# --- Jobs ------------------------------------------------------------------------------------


class JobListCreateApi(FineTuningApiView):
    required_scope = "fine-tuning"

    class InputSerializer(serializers.Serializer):
        model = serializers.CharField()
        training_file = serializers.CharField()
        validation_file = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        hyperparameters = serializers.DictField(required=False, allow_null=True)
        method = serializers.DictField(required=False, allow_null=True)
        suffix = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=64)
        seed = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2**31 - 1)

    @schema.operation(
        "createFineTuningJob",
        "Create a fine-tuning job",
        schema.JobObject,
        request=InputSerializer,
        parameters=[
            schema.OpenApiParameter(
                "Idempotency-Key",
                str,
                location=schema.OpenApiParameter.HEADER,
                description="A retried request with the same key returns the same job.",
            )
        ],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        hyperparameters = data.get("hyperparameters")
        method = data.get("method") or {}
        if not hyperparameters and method.get("type", "supervised") == "supervised":
            hyperparameters = (method.get("supervised") or {}).get("hyperparameters")
        elif method.get("type") not in (None, "supervised"):
            raise OpenAIError(
                400, "Only the `supervised` method is supported.", param="method.type", code="invalid_value"
            )
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

    @schema.operation("listFineTuningJobs", "List fine-tuning jobs", schema.JobList, parameters=schema.PAGE)
    def get(self, request):
        params = PageInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        jobs = selectors.after_cursor(
            selectors.job_list_for_user(user=request.user), params.validated_data.get("after")
        )
        limit = params.validated_data["limit"]
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

    @schema.operation("listFineTuningEvents", "List a job's events", schema.JobEventList, parameters=schema.PAGE)
    def get(self, request, job_id: str):
        params = PageInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        job = selectors.job_get_for_user(user=request.user, job_id=job_id)
        limit = params.validated_data["limit"]
        events = list(selectors.job_events(job=job, after=params.validated_data.get("after"))[: limit + 1])
        return Response(page(events, event_object, limit))


class JobCheckpointsApi(FineTuningApiView):
    required_scope = "fine-tuning"

    @schema.operation(
        "listFineTuningCheckpoints", "List a job's checkpoints", schema.CheckpointList, parameters=schema.PAGE
    )
    def get(self, request, job_id: str):
        params = PageInput(data={"limit": 10, **request.query_params.dict()})
        params.is_valid(raise_exception=True)
        job = selectors.job_get_for_user(user=request.user, job_id=job_id)
        checkpoints = job.checkpoints.all()
        after = params.validated_data.get("after")
        if after:
            anchor = checkpoints.filter(pk=after).first()
            checkpoints = checkpoints.filter(step__lt=anchor.step) if anchor else checkpoints.none()
        limit = params.validated_data["limit"]
        return Response(page(list(checkpoints[: limit + 1]), lambda c: checkpoint_object(c, job), limit))
