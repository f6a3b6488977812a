"""OpenAPI shapes of the fine-tuning API (sandbox/finetuning/api.py) for the reference.

Those views build their responses as dicts (``file_object``, ``job_object``, ...), so
drf-spectacular cannot see their shapes. These view extensions describe them without
touching the views: each applies only to methods the view has not annotated itself, so
annotations added in the view take precedence.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers

PAGE_PARAMETERS = [
    OpenApiParameter("after", str, description="Return items after the one with this id."),
    OpenApiParameter("limit", int, description="How many items to return (default 20)."),
]


def _list_of(name: str, item: serializers.Serializer) -> serializers.Serializer:
    return inline_serializer(
        name=name,
        fields={
            "object": serializers.CharField(default="list"),
            "data": item.__class__(many=True),
            "has_more": serializers.BooleanField(),
            "first_id": serializers.CharField(allow_null=True),
            "last_id": serializers.CharField(allow_null=True),
        },
    )


class FileObject(serializers.Serializer):
    id = serializers.CharField(help_text="file-…")
    object = serializers.CharField(default="file")
    bytes = serializers.IntegerField()
    created_at = serializers.IntegerField(help_text="Unix time.")
    filename = serializers.CharField()
    purpose = serializers.CharField(help_text="fine-tune")
    status = serializers.CharField(default="processed")
    status_details = serializers.CharField(allow_null=True)
    expires_at = serializers.IntegerField(allow_null=True)


class FileDeleted(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField(default="file")
    deleted = serializers.BooleanField()


class Hyperparameters(serializers.Serializer):
    n_epochs = serializers.IntegerField()
    batch_size = serializers.IntegerField()
    learning_rate_multiplier = serializers.FloatField()
    rank = serializers.IntegerField(help_text="LoRA rank.")


class FineTuningJobObject(serializers.Serializer):
    object = serializers.CharField(default="fine_tuning.job")
    id = serializers.CharField(help_text="ftjob-…")
    model = serializers.CharField(help_text="The base model.")
    created_at = serializers.IntegerField()
    finished_at = serializers.IntegerField(allow_null=True)
    fine_tuned_model = serializers.CharField(allow_null=True, help_text="ft:<base>:<handle>:<suffix>:<job id>")
    organization_id = serializers.CharField()
    result_files = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(
        choices=["validating_files", "queued", "running", "succeeded", "failed", "cancelled"]
    )
    validation_file = serializers.CharField(allow_null=True)
    training_file = serializers.CharField()
    hyperparameters = Hyperparameters()
    trained_tokens = serializers.IntegerField(allow_null=True)
    error = serializers.JSONField(allow_null=True, help_text="{code, message, param} when the job failed.")
    user_provided_suffix = serializers.CharField(allow_null=True)
    seed = serializers.IntegerField()
    estimated_finish = serializers.IntegerField(allow_null=True)
    integrations = serializers.ListField(child=serializers.JSONField())
    metadata = serializers.JSONField(allow_null=True)
    method = serializers.JSONField(help_text='{"type": "supervised", "supervised": {"hyperparameters": …}}')
    estimated_cost = serializers.CharField(help_text="Credits (Atrium).")
    estimated_tokens = serializers.IntegerField(help_text="Training tokens × epochs (Atrium).")
    charged_credits = serializers.CharField(help_text="Atrium.")
    device_seconds = serializers.FloatField(help_text="Atrium.")
    queue_position = serializers.IntegerField(allow_null=True, help_text="Atrium.")
    progress = serializers.IntegerField(help_text="Percent (Atrium).")
    step = serializers.IntegerField()
    total_steps = serializers.IntegerField()


class FineTuningJobEvent(serializers.Serializer):
    object = serializers.CharField(default="fine_tuning.job.event")
    id = serializers.CharField()
    created_at = serializers.IntegerField()
    level = serializers.ChoiceField(choices=["info", "warn", "error"])
    message = serializers.CharField()
    data = serializers.JSONField(allow_null=True, help_text="Metrics of a step: step, train_loss, …")
    type = serializers.ChoiceField(choices=["message", "metrics"])


class FineTuningJobCheckpoint(serializers.Serializer):
    object = serializers.CharField(default="fine_tuning.job.checkpoint")
    id = serializers.CharField()
    created_at = serializers.IntegerField()
    fine_tuned_model_checkpoint = serializers.CharField()
    step_number = serializers.IntegerField()
    metrics = serializers.JSONField()
    fine_tuning_job_id = serializers.CharField()


FileList = _list_of("FileList", FileObject())
JobList = _list_of("FineTuningJobList", FineTuningJobObject())
EventList = _list_of("FineTuningJobEventList", FineTuningJobEvent())
CheckpointList = _list_of("FineTuningJobCheckpointList", FineTuningJobCheckpoint())


def _error(description: str) -> OpenApiResponse:
    from sandbox.gateway.serializers import ErrorResponse

    return OpenApiResponse(ErrorResponse, description=description)


def _named(name: str, serializer_class):
    """The view's own input serializer under a unique component name (both are "Input")."""
    return type(name, (serializer_class,), {})


def _annotated(view_class, schemas: dict):
    """A subclass of ``view_class`` with ``schemas[method]`` applied where the view has none."""
    attrs = {}
    for method, schema in schemas.items():
        handler = getattr(view_class, method)
        if getattr(handler, "_spectacular_annotation", None):
            continue

        # Wrap, so that the view's own function object is never annotated.
        def wrapper(self, request, *args, _handler=handler, **kwargs):
            return _handler(self, request, *args, **kwargs)

        attrs[method] = schema(wrapper)
    return type(view_class.__name__, (view_class,), attrs)


class _FineTuningView(OpenApiViewExtension):
    schemas: dict = {}

    def view_replacement(self):
        return _annotated(self.target_class, self.schemas)


class FileListCreateSchema(_FineTuningView):
    target_class = "sandbox.finetuning.api.FileListCreateApi"

    @property
    def schemas(self):
        return {
            "get": extend_schema(
                operation_id="listFiles",
                summary="List files",
                parameters=[*PAGE_PARAMETERS, OpenApiParameter("purpose", str, description="Only this purpose.")],
                responses={200: FileList},
            ),
            "post": extend_schema(
                operation_id="uploadFile",
                summary="Upload a training file (JSONL)",
                request={"multipart/form-data": _named("FileUploadRequest", self.target_class.InputSerializer)},
                responses={200: FileObject, 413: _error("Larger than the upload limit (`file_too_large`).")},
            ),
        }


class FileDetailSchema(_FineTuningView):
    target_class = "sandbox.finetuning.api.FileDetailApi"
    schemas = {
        "get": extend_schema(operation_id="retrieveFile", summary="Retrieve a file", responses={200: FileObject}),
        "delete": extend_schema(operation_id="deleteFile", summary="Delete a file", responses={200: FileDeleted}),
    }


class FileContentSchema(_FineTuningView):
    target_class = "sandbox.finetuning.api.FileContentApi"
    schemas = {
        "get": extend_schema(
            operation_id="downloadFile",
            summary="Download a file's content",
            responses={(200, "application/jsonl"): OpenApiTypes.BINARY},
        ),
    }


class JobListCreateSchema(_FineTuningView):
    target_class = "sandbox.finetuning.api.JobListCreateApi"

    @property
    def schemas(self):
        return {
            "get": extend_schema(
                operation_id="listFineTuningJobs",
                summary="List fine-tuning jobs",
                parameters=PAGE_PARAMETERS,
                responses={200: JobList},
            ),
            "post": extend_schema(
                operation_id="createFineTuningJob",
                summary="Create a fine-tuning job",
                parameters=[
                    OpenApiParameter(
                        "Idempotency-Key",
                        str,
                        OpenApiParameter.HEADER,
                        description="Retries with the same key return the first job.",
                    )
                ],
                request=_named("FineTuningJobCreateRequest", self.target_class.InputSerializer),
                responses={
                    200: FineTuningJobObject,
                    402: _error("The balance does not cover the estimate (`insufficient_credits`)."),
                },
            ),
        }


class JobDetailSchema(_FineTuningView):
    target_class = "sandbox.finetuning.api.JobDetailApi"
    schemas = {
        "get": extend_schema(
            operation_id="retrieveFineTuningJob",
            summary="Retrieve a fine-tuning job",
            responses={200: FineTuningJobObject},
        ),
    }


class JobCancelSchema(_FineTuningView):
    target_class = "sandbox.finetuning.api.JobCancelApi"
    schemas = {
        "post": extend_schema(
            operation_id="cancelFineTuningJob",
            summary="Cancel a fine-tuning job",
            request=None,
            responses={200: FineTuningJobObject},
        ),
    }


class JobEventsSchema(_FineTuningView):
    target_class = "sandbox.finetuning.api.JobEventsApi"
    schemas = {
        "get": extend_schema(
            operation_id="listFineTuningEvents",
            summary="List a job's events",
            parameters=PAGE_PARAMETERS,
            responses={200: EventList},
        ),
    }


class JobCheckpointsSchema(_FineTuningView):
    target_class = "sandbox.finetuning.api.JobCheckpointsApi"
    schemas = {
        "get": extend_schema(
            operation_id="listFineTuningCheckpoints",
            summary="List a job's checkpoints",
            parameters=PAGE_PARAMETERS,
            responses={200: CheckpointList},
        ),
    }
