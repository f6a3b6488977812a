"""drf-spectacular: document API-key auth as HTTP bearer, and the limits of our own fields."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "sandbox.gateway.auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "atr_live_<32 characters><6-character checksum>",
            "description": "An Atrium API key (`Bearer atr_live_...`), created on the API keys page (/keys/).",
        }


class StringOrStringListSchema(OpenApiSerializerFieldExtension):
    """``stop``, ``prompt`` and ``input`` each have their own limits: the schema states the
    ones the field instance enforces, so the two cannot drift apart."""

    target_class = "sandbox.gateway.serializers.StringOrStringList"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        string = {"type": "string"} if field.allow_empty_strings else {"type": "string", "minLength": 1}
        array = {"type": "array", "items": dict(string)}
        if field.min_items:
            array["minItems"] = field.min_items
        if field.max_items is not None:
            array["maxItems"] = field.max_items
        return {"oneOf": [string, array]}
