"""Every /v1 endpoint of the gateway is in the OpenAPI schema with its request, response and error shapes."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(
    "path, method, has_body",
    [
        ("/v1/models", "get", False),
        ("/v1/models/{model_id}", "get", False),
        ("/v1/chat/completions", "post", True),
        ("/v1/completions", "post", True),
        ("/v1/embeddings", "post", True),
    ],
)
def test_endpoint_documented_with_shapes(schema, path, method, has_body):
    operation = schema["paths"][path][method]
    assert ("requestBody" in operation) == has_body
    assert "application/json" in operation["responses"]["200"]["content"]
    for status in ("401", "429"):
        error = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert error.endswith("/ErrorResponse")
    assert operation["security"] == [{"ApiKeyAuth": []}]


def test_streaming_documented(schema):
    assert "text/event-stream" in schema["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]


def test_playground_endpoint_is_not_public_api(schema):
    assert not [p for p in schema["paths"] if p.startswith("/playground")]
