"""OpenAPI shapes of /v1/files and /v1/fine_tuning. The views build their bodies with
`api.file_object`, `api.job_object`, ...; tests/finetuning/test_shapes.py proves each body
has exactly these fields and passes these serializers, and schemathesis checks every
served response against the schema."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers

from sandbox.gateway.serializers import ErrorResponse


class FileObject(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField(default="file")
    bytes = serializers.IntegerField()
    created_at = serializers.IntegerField()
    filename = serializers.CharField()
    purpose = serializers.CharField()
    status = serializers.CharField()
    status_details = serializers.CharField(allow_null=True)
    expires_at = serializers.IntegerField(allow_null=True)


class DeletedFile(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField(default="file")
    deleted = serializers.BooleanField()


class Hyperparameters(serializers.Serializer):
    n_epochs = serializers.IntegerField()
    batch_size = serializers.IntegerField()
    learning_rate_multiplier = serializers.FloatField()
    rank = serializers.IntegerField(help_text="LoRA rank (Atrium's addition).")


class JobError(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    param = serializers.CharField(allow_null=True)


class SupervisedMethod(serializers.Serializer):
    hyperparameters = Hyperparameters()


class JobMethod(serializers.Serializer):
    type = serializers.ChoiceField(choices=["supervised"])
    supervised = SupervisedMethod()


class JobObject(serializers.Serializer):
    object = serializers.CharField(default="fine_tuning.job")
    id = serializers.CharField()
    model = serializers.CharField()
    created_at = serializers.IntegerField()
    finished_at = serializers.IntegerField(allow_null=True)
    fine_tuned_model = serializers.CharField(allow_null=True)
    organization_id = serializers.CharField()
    result_files = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(
        choices=["validating_files", "queued", "running", "succeeded", "failed", "cancelled"]
    )
    validation_file = serializers.CharField(allow_null=True)
    training_file = serializers.CharField()
    hyperparameters = Hyperparameters()
    trained_tokens = serializers.IntegerField(allow_null=True)
    error = JobError(allow_null=True)
    user_provided_suffix = serializers.CharField(allow_null=True)
    seed = serializers.IntegerField(allow_null=True)
    estimated_finish = serializers.IntegerField(allow_null=True)
    integrations = serializers.ListField(child=serializers.JSONField(), help_text="Always empty on Atrium.")
    metadata = serializers.JSONField(allow_null=True)
    method = JobMethod()
    estimated_cost = serializers.DecimalField(
        max_digits=16,
        decimal_places=6,
        help_text="Credits, before it runs: the estimated device-seconds times the price per device-second.",
    )
    estimated_tokens = serializers.IntegerField(help_text="Training tokens x epochs.")
    estimated_device_seconds = serializers.FloatField(
        help_text="Predicted metered device time: start-up plus estimated_tokens at the workers' throughput."
    )
    charged_credits = serializers.DecimalField(max_digits=16, decimal_places=6)
    device_seconds = serializers.FloatField()
    queue_position = serializers.IntegerField(allow_null=True)
    progress = serializers.IntegerField(help_text="Percent of training steps done.")
    step = serializers.IntegerField()
    total_steps = serializers.IntegerField()


class JobEvent(serializers.Serializer):
    object = serializers.CharField(default="fine_tuning.job.event")
    id = serializers.CharField()
    created_at = serializers.IntegerField()
    level = serializers.ChoiceField(choices=["info", "warn", "error"])
    message = serializers.CharField()
    data = serializers.JSONField(allow_null=True)
    type = serializers.CharField()


class Checkpoint(serializers.Serializer):
    object = serializers.CharField(default="fine_tuning.job.checkpoint")
    id = serializers.CharField()
    created_at = serializers.IntegerField()
    fine_tuned_model_checkpoint = serializers.CharField()
    step_number = serializers.IntegerField()
    metrics = serializers.JSONField()
    fine_tuning_job_id = serializers.CharField()


def _list_of(item, name):
    return type(
        name,
        (serializers.Serializer,),
        {
            "object": serializers.CharField(default="list"),
            "data": item(many=True),
            "has_more": serializers.BooleanField(),
            "first_id": serializers.CharField(allow_null=True),
            "last_id": serializers.CharField(allow_null=True),
        },
    )


FileList = _list_of(FileObject, "FileList")
JobList = _list_of(JobObject, "FineTuningJobList")
JobEventList = _list_of(JobEvent, "FineTuningJobEventList")
CheckpointList = _list_of(Checkpoint, "FineTuningCheckpointList")

ERRORS = {
    400: OpenApiResponse(ErrorResponse, description="Invalid parameters or training data (with line numbers)."),
    401: OpenApiResponse(ErrorResponse, description="Missing, invalid, revoked or expired key."),
    402: OpenApiResponse(ErrorResponse, description="The job would cost more than the credit balance."),
    403: OpenApiResponse(ErrorResponse, description="The key lacks the `files` or `fine-tuning` scope."),
    404: OpenApiResponse(ErrorResponse, description="No such file, job or model for this account."),
    413: OpenApiResponse(ErrorResponse, description="The upload is larger than the limit."),
}


class AutoOrNumberSchema(OpenApiSerializerFieldExtension):
    """A hyperparameter of a job request: "auto", or a number in the range the field enforces."""

    target_class = "sandbox.finetuning.api.AutoOrNumber"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        number = {"type": "integer" if field.integer else "number", "minimum": field.low, "maximum": field.high}
        return {"oneOf": [{"type": "string", "enum": ["auto"]}, number]}


def operation(
    operation_id: str,
    summary: str,
    response,
    *,
    request=None,
    parameters=None,
    tags=("Fine-tuning",),
    media_type: str | None = None,
    errors: dict | None = None,
):
    """extend_schema for one fine-tuning operation with the shared error responses, and
    ``errors`` that only this operation gives."""
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        request=request,
        responses={(200, media_type) if media_type else 200: response, **ERRORS, **(errors or {})},
        parameters=parameters or [],
        tags=list(tags),
    )
