"""The OpenAPI schema of the /v1 API (drf-spectacular), as the API reference shows it.

- ``ApiKeyAuthenticationScheme`` documents ``Authorization: Bearer atr_live_...``.
- ``v1_endpoints_only`` (preprocessing hook): the reference covers the public /v1 API,
  not the site's internal views.
- ``v1_error_responses`` (postprocessing hook): every /v1 operation documents OpenAI's
  error shape for the statuses the gateway returns, from one ``Error`` component, so no
  endpoint can forget them.
- ``v1_reference`` (postprocessing hook): what a reader of the reference needs beyond
  the shapes: one capitalised tag per group, in reading order, each described; a
  description per operation (not the view's docstring); runnable request samples in curl,
  Python and JavaScript (``x-codeSamples``, from ``portal.api_examples``, naming the
  default models) and the same request as the body's example.
- ``schema_problems``: how the schema disagrees with the URL patterns and views; the
  test suite fails on any.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import has_override, set_override

from portal import api_examples
from sandbox.inference.defaults import MINILM_ID

V1_PREFIX = "/v1/"
ERROR_SCHEMA = {
    "type": "object",
    "description": "OpenAI's error shape: every /v1 error response has it.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "message": {"type": "string", "description": "Human-readable explanation, safe to show."},
                "type": {"type": "string", "enum": ["invalid_request_error", "rate_limit_error", "server_error"]},
                "param": {"type": "string", "nullable": True, "description": "The parameter at fault."},
                "code": {"type": "string", "nullable": True, "description": "Stable machine-readable code."},
                "help_url": {
                    "type": "string",
                    "description": "Absolute URL: the answer staff verified for this code, else its section of "
                    "/docs/errors/.",
                },
                "request_id": {
                    "type": "string",
                    "description": "The request's id, as in its `x-request-id` header: find it in your request log.",
                },
            },
            "required": ["message", "type", "param", "code"],
        }
    },
    "required": ["error"],
}
ERROR_DESCRIPTIONS = {
    "400": "The request is invalid (`invalid_json`, `invalid_value`, `context_length_exceeded`, ...).",
    "401": "Missing, malformed, unknown, revoked or expired API key (`invalid_api_key`).",
    "403": "The key's scopes do not allow this request (`insufficient_scope`).",
    "404": "No such object for this key (`model_not_found`, `not_found`, ...).",
    "413": "The request body is larger than the limit, which the message states (`request_too_large`).",
    "429": "Rate limit reached (`rate_limit_exceeded`); wait `Retry-After` seconds.",
    "500": "Server error (`server_error`); retry with backoff.",
    "503": "No worker could take the request in time (`model_unavailable`); retry after `Retry-After`.",
}


def v1_endpoints_only(endpoints, **kwargs):
    """Keep the public /v1 API in the schema, with unique names for nested input serializers."""
    endpoints = [endpoint for endpoint in endpoints if endpoint[0].startswith(V1_PREFIX)]
    for _path, _regex, _method, callback in endpoints:
        _name_input_serializer(getattr(callback, "cls", None))
    return endpoints


def _name_input_serializer(view_class) -> None:
    """The house style nests ``InputSerializer`` in each view (STYLE.md), so every one would
    become the component "Input" and overwrite the others in the schema. Name each after its
    view ("FileListCreateApi" -> "FileListCreateInput") unless it already has a name."""
    serializer = getattr(view_class, "InputSerializer", None)
    if serializer is None or has_override(serializer, "component_name"):
        return
    base = view_class.__name__.removesuffix("Api").removesuffix("View")
    set_override(serializer, "component_name", f"{base}Input")


def _error_statuses(path: str, method: str, operation: dict) -> list[str]:
    statuses = ["401", "403", "429", "500"]
    if method in ("post", "put", "patch") or any(p.get("in") == "query" for p in operation.get("parameters", [])):
        statuses.append("400")
    if "requestBody" in operation:
        statuses.append("413")
    if "{" in path or method == "post":
        statuses.append("404")
    if path.rstrip("/") in ("/v1/chat/completions", "/v1/completions", "/v1/embeddings"):
        statuses.append("503")
    return sorted(statuses)


def _v1_operations(result):
    """(path, method, operation) for every /v1 operation of a generated schema."""
    for path, operations in result.get("paths", {}).items():
        if not path.startswith(V1_PREFIX):
            continue
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def v1_error_responses(result, generator, request, public):
    """Document the error shape on every /v1 operation (without replacing what a view says)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, method, operation in _v1_operations(result):
        responses = operation.setdefault("responses", {})
        for status in _error_statuses(path, method, operation):
            responses.setdefault(
                status,
                {
                    "description": ERROR_DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            )
    return result


# The reference's groups, in reading order, and what each is for.
TAGS = [
    ("Chat", "Chat completions: a conversation in, the model's reply out, whole or streamed. "
             "What most applications use. Guide: [Chat completions](/docs/chat-completions/)."),
    ("Completions", "Legacy text completions: a single prompt in, its continuation out, as OpenAI's "
                    "`/v1/completions`. Kept for clients written against it; new code should use Chat. "
                    "Guide: [Completions](/docs/completions/)."),
    ("Embeddings", "Vectors that capture the meaning of texts, for search, clustering and deduplication. "
                   "Guide: [Embeddings](/docs/embeddings/)."),
    ("Models", "The models your key can call: the hosted ones and your own fine-tuned ones."),
    ("Files", "JSONL files of training examples, uploaded for fine-tuning."),
    ("Fine-tuning", "Train a model on your own examples (LoRA) and follow the job. "
                    "Guide: [Fine-tuning](/docs/fine-tuning/)."),
]  # fmt: skip
OPERATION_DESCRIPTIONS = {
    "createChatCompletion": "Generates the model's reply to a conversation. With `stream: true` the reply "
    "arrives as server-sent events, token by token, ending with `data: [DONE]`; add "
    '`stream_options: {"include_usage": true}` for a last chunk with the token usage.',
    "createCompletion": "Legacy text completion: continues one `prompt` (a string) with a chat-capable model, "
    "without a chat template. For conversations, use `POST /v1/chat/completions`.",
    "createEmbedding": "Returns one vector per input text (a string, or a list of up to 2048 strings).",
    "listModels": "Lists the models this key can call: the hosted ones and the caller's fine-tuned models.",
    "retrieveModel": "Returns one model the key can call; `404 model_not_found` otherwise.",
    "listFiles": "Lists the caller's uploaded files (`after` and `limit` page through them).",
    "createFile": "Uploads a JSONL file (`purpose=fine-tune`) as multipart form data. The file is checked "
    "line by line; one that breaks a rule is refused whole with `400`, naming the lines.",
    "retrieveFile": "Returns one of the caller's files.",
    "deleteFile": "Deletes one of the caller's files.",
    "downloadFile": "Returns the file's content as uploaded.",
    "listFineTuningJobs": "Lists the caller's fine-tuning jobs (`after` and `limit` page through them).",
    "createFineTuningJob": "Starts fine-tuning `model` on a training file. The job is queued and trained by a "
    "worker; its cost is estimated first and refused with `402` beyond the caller's credits.",
    "retrieveFineTuningJob": "Returns one job: its status, hyperparameters, tokens and, once it succeeds, "
    "`fine_tuned_model`, the id to call.",
    "cancelFineTuningJob": "Cancels a queued or running job.",
    "listFineTuningCheckpoints": "Lists the checkpoints a job saved, each a model id you can call.",
    "listFineTuningEvents": "Lists a job's events: its progress, losses and messages.",
}


def v1_reference(result, generator, request, public):
    """Tags, descriptions and runnable request samples for every /v1 operation."""
    names = {name.lower(): name for name, _description in TAGS}
    result["tags"] = [{"name": name, "description": description} for name, description in TAGS]
    base_url = request.build_absolute_uri("/v1") if request is not None else settings.SITE_URL.rstrip("/") + "/v1"
    calls = api_examples.calls(chat_model=settings.DEFAULT_CHAT_MODEL, embedding_model=MINILM_ID)
    for _path, _method, operation in _v1_operations(result):
        operation["tags"] = [names.get(tag.lower(), tag) for tag in operation.get("tags", [])]
        operation_id = operation.get("operationId")
        if operation_id in OPERATION_DESCRIPTIONS:
            operation["description"] = OPERATION_DESCRIPTIONS[operation_id]
        call = calls.get(operation_id)
        if call is None:
            continue
        operation["x-codeSamples"] = [
            {"lang": sample.redoc_lang, "label": sample.label, "source": sample.code}
            for sample in api_examples.samples(call, base_url=base_url)
        ]
        json_body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if json_body is not None and call.body is not None:
            json_body["example"] = call.body
    return result


# --- Agreement between the schema and the code ---------------------------------------------


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _openapi_path(route: str) -> str:
    """Django's route (``v1/files/<str:file_id>``) as an OpenAPI path (``/v1/files/{file_id}``)."""
    route = route.lstrip("^").rstrip("$")
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def v1_routes(urlconf=None) -> dict[str, set[str]]:
    """Every /v1 URL pattern and the HTTP methods its view implements."""
    routes: dict[str, set[str]] = {}
    for route, callback in _walk(get_resolver(urlconf).url_patterns):
        path = _openapi_path(route)
        # `v1/` and the `v1/<anytext:...>` catch-all answer unknown URLs with a 404 error; not endpoints.
        if not path.startswith(V1_PREFIX) or re.fullmatch(r"\^?v1/(?:<(?:path|anytext):\w+>)?\$?", route):
            continue
        view_class = getattr(callback, "view_class", getattr(callback, "cls", None))
        if view_class is None:
            methods = {"get"}  # a function view: the schema must still list the path
        else:
            methods = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)}
        routes.setdefault(path, set()).update(methods)
    return routes


def _has_body_schema(response: dict) -> bool:
    return any(media.get("schema") for media in (response.get("content") or {}).values())


def schema_problems(schema: dict, routes: dict[str, set[str]]) -> list[str]:
    """What in ``schema`` disagrees with the /v1 ``routes`` of the code; empty when it agrees."""
    problems = []
    paths = schema.get("paths", {})
    for path, methods in sorted(routes.items()):
        if path not in paths:
            problems.append(f"{path}: URL pattern missing from the schema")
            continue
        documented = {m for m in paths[path] if m in ("get", "post", "put", "patch", "delete")}
        for method in sorted(methods - documented):
            problems.append(f"{method.upper()} {path}: implemented but not in the schema")
        for method in sorted(documented - methods):
            problems.append(f"{method.upper()} {path}: in the schema but not implemented")
        for method in sorted(methods & documented):
            operation = paths[path][method]
            responses = operation.get("responses", {})
            successes = {code: r for code, r in responses.items() if code.startswith("2")}
            if not successes:
                problems.append(f"{method.upper()} {path}: no success response documented")
            elif not any(code == "204" or _has_body_schema(r) for code, r in successes.items()):
                problems.append(f"{method.upper()} {path}: success response has no body schema")
            errors = [code for code in responses if code[0] in "45"]
            if not errors:
                problems.append(f"{method.upper()} {path}: no error responses documented")
            for code in errors:
                if not _has_body_schema(responses[code]):
                    problems.append(f"{method.upper()} {path}: {code} response has no error schema")
            if not operation.get("security"):
                problems.append(f"{method.upper()} {path}: no authentication documented")
    for path in sorted(set(paths) - set(routes)):
        if path.startswith(V1_PREFIX):
            problems.append(f"{path}: in the schema but no URL pattern serves it")
    return problems
