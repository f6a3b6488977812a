"""Request and response shapes of the /v1 API (OpenAI's wire format).

Input serializers validate types and ranges; unknown fields are ignored, as OpenAI's
clients send many optional ones. Types are JSON's, strictly: `5` is not a string and
`"5"` not an integer. The OpenAPI schema is generated from these same fields (limits
included, see ``schema.py``), so what the schema allows is what the server accepts.
Output serializers exist for the OpenAPI schema.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MAX_N = 8
MAX_STOP = 4
# OpenAI's `seed` is a signed 64-bit integer; torch's generators take all of it (and the
# choice index added to it for n > 1).
MIN_SEED, MAX_SEED = -(2**63), 2**63 - 1


class StrictCharField(serializers.CharField):
    """A JSON string: DRF's CharField would also take numbers and turn them into strings.

    Whitespace is kept, as OpenAI does: a model id or a file id is matched as sent.
    """

    default_error_messages = {"invalid": "Expected a string."}

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StringOrStringList(serializers.Field):
    """A string, or a list of strings (``stop``, ``prompt``, ``input``); its OpenAPI schema
    (``schema.StringOrStringListSchema``) states the same limits."""

    default_error_messages = {
        "invalid": "Expected a string or a list of strings.",
        "min_items": "Expected at least {min_items} string(s).",
        "max_items": "Expected at most {max_items} strings, got {count}.",
        "empty_string": "Strings must not be empty.",
    }

    def __init__(
        self,
        *,
        min_items: int = 1,
        max_items: int | None = None,
        allow_empty_strings: bool = True,
        **kwargs,
    ):
        self.min_items, self.max_items, self.allow_empty_strings = min_items, max_items, allow_empty_strings
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> list[str]:
        if isinstance(data, str):
            data = [data]
        elif not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            self.fail("invalid")
        elif len(data) < self.min_items:
            self.fail("min_items", min_items=self.min_items)
        elif self.max_items is not None and len(data) > self.max_items:
            self.fail("max_items", max_items=self.max_items, count=len(data))
        if not self.allow_empty_strings and not all(data):
            self.fail("empty_string")
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string"},
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"type": {"type": "string", "enum": ["text"]}, "text": {"type": "string"}},
                    "required": ["type", "text"],
                },
            },
        ],
        "nullable": True,
    }
)
class MessageContent(serializers.Field):
    """A message's content: a string, or a list of ``{"type": "text", "text": ...}`` parts."""

    def to_internal_value(self, data) -> str:
        if data is None:
            return ""
        if isinstance(data, str):
            return data
        if isinstance(data, list):
            texts = []
            for part in data:
                if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                    raise serializers.ValidationError("Only text content parts are supported by Atrium's models.")
                texts.append(part["text"])
            return "".join(texts)
        raise serializers.ValidationError("Expected a string or a list of content parts.")

    def to_representation(self, value):
        return value


class ChatMessage(serializers.Serializer):
    role = serializers.ChoiceField(choices=["system", "developer", "user", "assistant", "tool"])
    content = MessageContent(required=False, allow_null=True)
    name = StrictCharField(required=False, allow_blank=True, allow_null=True)


class StreamOptions(serializers.Serializer):
    include_usage = serializers.BooleanField(required=False, default=False)


class SamplingFields(serializers.Serializer):
    """What chat and text completions share."""

    model = StrictCharField(min_length=1, max_length=200)
    max_tokens = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    temperature = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=2)
    top_p = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1)
    n = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_N)
    stop = StringOrStringList(required=False, allow_null=True, min_items=0, max_items=MAX_STOP)
    seed = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=MIN_SEED,
        max_value=MAX_SEED,
        error_messages={
            "min_value": f"Expected a 64-bit signed integer, from {MIN_SEED} to {MAX_SEED}.",
            "max_value": f"Expected a 64-bit signed integer, from {MIN_SEED} to {MAX_SEED}.",
        },
    )
    stream = serializers.BooleanField(required=False, allow_null=True, default=False)
    stream_options = StreamOptions(required=False, allow_null=True)
    user = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=256)

    def to_internal_value(self, data):
        # Strict JSON types, as OpenAI: "5" is not an integer and "true" not a boolean.
        if isinstance(data, dict):
            for name in ("max_tokens", "max_completion_tokens", "n", "seed"):
                value = data.get(name)
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                    raise serializers.ValidationError({name: ["Expected an integer."]})
            for name in ("temperature", "top_p"):
                value = data.get(name)
                if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                    raise serializers.ValidationError({name: ["Expected a number."]})
            value = data.get("stream")
            if value is not None and not isinstance(value, bool):
                raise serializers.ValidationError({"stream": ["Expected a boolean."]})
        return super().to_internal_value(data)


class ChatCompletionRequest(SamplingFields):
    # A ListField, not many=True: drf-spectacular documents its min_length as minItems.
    messages = serializers.ListField(child=ChatMessage(), min_length=1)
    max_completion_tokens = serializers.IntegerField(required=False, allow_null=True, min_value=1)

    def validate(self, attrs):
        if attrs.get("max_tokens") is None and attrs.get("max_completion_tokens") is not None:
            attrs["max_tokens"] = attrs["max_completion_tokens"]
        return attrs


class CompletionRequest(SamplingFields):
    prompt = StringOrStringList(
        max_items=1,
        error_messages={"max_items": "Atrium accepts one prompt per request; use n for several completions."},
    )


class EmbeddingRequest(serializers.Serializer):
    model = StrictCharField(min_length=1, max_length=200)
    input = StringOrStringList(max_items=2048, allow_empty_strings=False)
    encoding_format = serializers.ChoiceField(choices=["float", "base64"], required=False, default="float")
    dimensions = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    user = StrictCharField(required=False, allow_blank=True, allow_null=True)


# --- Responses (documentation) -----------------------------------------------------------


class Usage(serializers.Serializer):
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField(required=False)
    total_tokens = serializers.IntegerField()


class ModelObject(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField(default="model")
    created = serializers.IntegerField()
    owned_by = serializers.CharField()
    context_length = serializers.IntegerField()
    max_output_tokens = serializers.IntegerField()
    task = serializers.CharField()
    price_per_1k_tokens = serializers.CharField()


class ModelList(serializers.Serializer):
    object = serializers.CharField(default="list")
    data = ModelObject(many=True)


class ChatMessageOut(serializers.Serializer):
    role = serializers.CharField()
    content = serializers.CharField()


class ChatChoice(serializers.Serializer):
    index = serializers.IntegerField()
    message = ChatMessageOut()
    finish_reason = serializers.ChoiceField(choices=["stop", "length"])
    logprobs = serializers.JSONField(allow_null=True)


class ChatCompletion(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField(default="chat.completion")
    created = serializers.IntegerField()
    model = serializers.CharField()
    choices = ChatChoice(many=True)
    usage = Usage()


class CompletionChoice(serializers.Serializer):
    index = serializers.IntegerField()
    text = serializers.CharField()
    finish_reason = serializers.ChoiceField(choices=["stop", "length"])
    logprobs = serializers.JSONField(allow_null=True)


class Completion(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField(default="text_completion")
    created = serializers.IntegerField()
    model = serializers.CharField()
    choices = CompletionChoice(many=True)
    usage = Usage()


class EmbeddingObject(serializers.Serializer):
    object = serializers.CharField(default="embedding")
    index = serializers.IntegerField()
    embedding = serializers.JSONField(help_text="A list of floats, or a base64 string of float32 values.")


class EmbeddingList(serializers.Serializer):
    object = serializers.CharField(default="list")
    data = EmbeddingObject(many=True)
    model = serializers.CharField()
    usage = Usage()


class ErrorDetail(serializers.Serializer):
    message = serializers.CharField()
    type = serializers.CharField()
    param = serializers.CharField(allow_null=True)
    code = serializers.CharField(allow_null=True)
    help_url = serializers.CharField()
    request_id = serializers.CharField(help_text="The request's id, as in its `x-request-id` header.")


class ErrorResponse(serializers.Serializer):
    error = ErrorDetail()
