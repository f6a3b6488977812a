"""The API reference: /api/schema/ agrees with the /v1 code; /docs/api/ renders it offline."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from portal.docs.openapi import schema_problems, v1_routes


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_generates_without_warnings_or_name_collisions():
    """Views the schema cannot read, or two serializers fighting over one component name
    (every view's nested InputSerializer is "Input"), show up as generator warnings."""
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert dict(GENERATOR_STATS._warn_cache) == {} and dict(GENERATOR_STATS._error_cache) == {}
    names = schema["components"]["schemas"]
    assert "Input" not in names and {"FileListCreateInput", "JobListCreateInput"} <= set(names)


def test_every_v1_route_is_in_the_schema_and_agrees_with_the_code(schema):
    """Fails when a /v1 URL pattern, a method, a success body, the error shape or auth is
    missing from the schema, or when the schema documents something the code doesn't serve."""
    routes = v1_routes()
    assert "/v1/chat/completions" in routes and "/v1/models" in routes, sorted(routes)
    assert schema_problems(schema, routes) == []


def test_request_bodies_match_the_views_serializers(schema):
    """POST operations document the body their view actually validates: every required field
    of the view's input serializer is a required property of the documented request body."""
    from django.urls import get_resolver

    from portal.docs.openapi import _openapi_path, _walk

    checked, missing = 0, set()
    for route, callback in _walk(get_resolver().url_patterns):
        path = _openapi_path(route)
        view = getattr(callback, "view_class", None)
        # The serializer the view validates its body with (HackSoft's InputSerializer, or
        # the gateway's request_serializer).
        serializer = getattr(view, "InputSerializer", None) or getattr(view, "request_serializer", None)
        if not path.startswith("/v1/") or serializer is None or not hasattr(view, "post"):
            continue
        body = schema["paths"][path]["post"].get("requestBody")
        if not body:
            missing.add(path)
            continue
        content = next(iter(body["content"].values()))["schema"]
        if "$ref" in content:
            content = schema["components"]["schemas"][content["$ref"].rsplit("/", 1)[1]]
        required = {name for name, field in serializer().fields.items() if field.required and not field.read_only}
        assert required <= set(content.get("properties", {})), (path, required)
        assert required <= set(content.get("required", [])), (path, required)
        checked += 1
    assert checked, "no /v1 view with an InputSerializer and a documented body was found"
    assert missing == set(), "POST without a documented request body"


def test_checker_reports_a_missing_route_and_a_method_mismatch():
    ok = {
        "responses": {
            "200": {"content": {"application/json": {"schema": {"type": "object"}}}},
            "401": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
        "security": [{"ApiKeyAuth": []}],
    }
    schema = {"paths": {"/v1/models": {"get": ok, "delete": ok}, "/v1/ghost": {"get": ok}}}
    routes = {"/v1/models": {"get", "post"}, "/v1/embeddings": {"post"}}
    assert schema_problems(schema, routes) == [
        "/v1/embeddings: URL pattern missing from the schema",
        "POST /v1/models: implemented but not in the schema",
        "DELETE /v1/models: in the schema but not implemented",
        "/v1/ghost: in the schema but no URL pattern serves it",
    ]


def test_checker_reports_missing_bodies_errors_and_auth():
    bare = {"responses": {"200": {"description": "OK"}}}
    problems = schema_problems({"paths": {"/v1/models": {"get": bare}}}, {"/v1/models": {"get"}})
    assert problems == [
        "GET /v1/models: success response has no body schema",
        "GET /v1/models: no error responses documented",
        "GET /v1/models: no authentication documented",
    ]


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_every_v1_operation_documents_the_error_shape(schema):
    """401 and 429 on every operation carry OpenAI's {"error": {...}} body."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "429"):
                body = _resolve(schema, operation["responses"][status]["content"]["application/json"]["schema"])
                error = _resolve(schema, body["properties"]["error"])
                assert {"message", "type", "param", "code"} <= set(error["properties"]), (method, path, status)


@pytest.mark.django_db
def test_schema_is_served_as_json_and_yaml(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")
    assert "/v1/chat/completions" in response.json()["paths"]
    assert client.get("/api/schema/").content.startswith(b"openapi:")


@pytest.mark.django_db
def test_api_reference_page_uses_vendored_redoc_only(client):
    html = client.get("/docs/api/").content.decode()
    assert 'data-schema-url="/api/schema/"' in html
    scripts = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any("drf_spectacular_sidecar/redoc" in s for s in scripts), scripts
    assert not [s for s in scripts if s.startswith(("http:", "https:", "//"))], scripts
    assert "fonts.googleapis" not in html


def test_tags_are_one_capitalised_set_in_reading_order(schema):
    """Every operation's tag is one of the declared groups (Chat, Completions, ...), each
    described; none is an automatic lower-case path segment."""
    declared = [tag["name"] for tag in schema["tags"]]
    assert declared == ["Chat", "Completions", "Embeddings", "Models", "Files", "Fine-tuning"]
    assert all(tag["description"] for tag in schema["tags"])
    used = {tag for methods in schema["paths"].values() for operation in methods.values() for tag in operation["tags"]}
    assert used == set(declared)


def test_operations_are_described_for_readers_not_by_view_docstrings(schema):
    """/v1/completions is the legacy text endpoint, told apart from chat; no description
    is a view's internal docstring."""
    chat = schema["paths"]["/v1/chat/completions"]["post"]
    legacy = schema["paths"]["/v1/completions"]["post"]
    assert legacy["description"].startswith("Legacy text completion") and "prompt" in legacy["description"]
    assert "Chat and text completions" not in legacy["description"] + chat["description"]
    assert "Legacy" in next(tag["description"] for tag in schema["tags"] if tag["name"] == "Completions")
    for methods in schema["paths"].values():
        for operation in methods.values():
            description = operation["description"]
            assert description and "base view" not in description and "Records every" not in description
