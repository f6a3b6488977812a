"""The /v1 endpoints: async views (many concurrent streams on one ASGI process)."""

from __future__ import annotations

import base64
import json
import struct
import time

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from portal.apikeys.keyformat import redact_keylike
from portal.asyncdb import database_sync_to_async
from sandbox.inference import protocol
from sandbox.usage.services import (
    BODY_MAX_CHARS,
    ERROR_MESSAGE_MAX_CHARS,
    REQUESTED_MODEL_MAX_CHARS,
    usage_body_excerpt,
    usage_record_enqueue_on,
)

from . import catalog, completions, serializers
from .base import AsyncV1View, JSONBodyMixin
from .dispatch import Dispatch
from .errors import OpenAIError, error_body
from .redis import async_redis
from .requestid import request_id_of

ERRORS = {
    400: OpenApiResponse(serializers.ErrorResponse, description="Malformed JSON, wrong types, limits exceeded."),
    401: OpenApiResponse(serializers.ErrorResponse, description="Missing, invalid, revoked or expired key."),
    403: OpenApiResponse(serializers.ErrorResponse, description="The key lacks the scope."),
    404: OpenApiResponse(serializers.ErrorResponse, description="Unknown model (model_not_found)."),
    429: OpenApiResponse(serializers.ErrorResponse, description="Rate limit or insufficient_quota (Retry-After)."),
    503: OpenApiResponse(serializers.ErrorResponse, description="No worker available in time (Retry-After)."),
}
# OpenAPI 3.0 has a text/event-stream schema describe each event (3.2's itemSchema).
SSE_EVENT = {
    "type": "object",
    "properties": {
        "data": {"type": "string", "description": "A chunk object as JSON, an error object, or `[DONE]` last."},
        "event": {"type": "string"},
    },
    "required": ["data"],
}
SSE = OpenApiResponse(SSE_EVENT, description="With stream=true: server-sent events of chunks, then `[DONE]`.")


class MeteredView(AsyncV1View):
    """Records every authenticated call (write-behind), whatever its outcome.

    The record names a model only once the catalog found it for the caller: a name that
    is no model (a typo, garbage) is kept as ``requested_model`` for the member's request
    log, never as a model in usage aggregates. The bodies are kept only when the key opts
    in (``log_bodies_days``), for that many days.
    """

    endpoint = ""

    async def dispatch(self, request, *args, **kwargs):
        self.started = time.monotonic()
        self.usage = {"model": "", "prompt_tokens": 0, "completion_tokens": 0, "cost": "0", "stream": False}
        self.request_id = request_id_of(request)
        self.requested_model = ""
        # What the record keeps besides status and code (set before ``record``).
        self.error_message = ""
        self.request_body: str | None = None
        self.response_body: str | None = None
        self.metered = False
        self.reserved_tokens = 0
        response = await super().dispatch(request, *args, **kwargs)
        if not self.metered:
            error = {}
            if response.status_code >= 400 and isinstance(getattr(response, "data", None), dict):
                error = response.data.get("error") or {}
            self.error_message = error.get("message") or ""
            self.response_body = self.body_text(response)
            await self.record(status=response.status_code, error_code=error.get("code") or "")
        return response

    async def ainitial(self, request, *args, **kwargs) -> None:
        await super().ainitial(request, *args, **kwargs)
        if self.logs_bodies():
            # Read before DRF parses it (Django keeps the bytes for the parser).
            self.request_body = request._request.body.decode("utf-8", "replace")

    def logs_bodies(self) -> bool:
        return bool(getattr(getattr(self.request, "auth", None), "log_bodies_days", 0))

    def body_text(self, response) -> str | None:
        if not self.logs_bodies() or not isinstance(getattr(response, "data", None), (dict, list)):
            return None
        return json.dumps(response.data, ensure_ascii=False, default=str)

    def model_found(self, model: catalog.ModelInfo) -> catalog.ModelInfo:
        """Meter the call as the model's, now that the catalog found it for the caller."""
        self.usage["model"] = model.model_id
        return model

    def caller_ids(self) -> tuple[int | None, int | None]:
        grant = getattr(self.request, "auth", None)
        if grant is None:
            return None, None
        return grant.user_id, grant.key_id

    async def record(self, *, status: int, error_code: str = "") -> None:
        """Meter the call and give back unused reserved tokens, in one Redis round trip.

        The error's message and the response body (for a key that logs bodies) are
        ``self.error_message`` and ``self.response_body``."""
        self.metered = True
        user_id, key_id = self.caller_ids()
        if user_id is None or not settings.GATEWAY_POLICY_ENABLED:
            return
        pipe = async_redis().pipeline(transaction=False)
        if self.limiter is not None:
            used = self.usage["prompt_tokens"] + self.usage["completion_tokens"]
            self.limiter.refund(pipe, tokens=self.reserved_tokens - used)
        bodies = {}
        if self.logs_bodies():
            bodies = {
                "log_bodies_days": self.request.auth.log_bodies_days,
                "request_body": usage_body_excerpt(redact_keylike(self.request_body or "")),
                "response_body": usage_body_excerpt(redact_keylike(self.response_body or "")),
            }
        usage_record_enqueue_on(
            pipe,
            request_id=self.request_id,
            user_id=user_id,
            key_id=key_id,
            endpoint=self.endpoint,
            status=status,
            error_code=error_code or "",
            # Messages may quote what the client sent (a model name): never a key.
            error_message=redact_keylike(self.error_message or "")[:ERROR_MESSAGE_MAX_CHARS],
            latency_ms=int((time.monotonic() - self.started) * 1000),
            ts=time.time(),
            # A key sent as the model name (arguments swapped) is not kept in the records.
            requested_model=redact_keylike(self.requested_model)[:REQUESTED_MODEL_MAX_CHARS],
            **{**self.usage, "model": redact_keylike(self.usage["model"])},
            **bodies,
        )
        await pipe.execute()


class ModelListView(MeteredView):
    endpoint = "models"
    required_scope = None

    @extend_schema(operation_id="listModels", summary="List models", responses={200: serializers.ModelList, **ERRORS})
    async def get(self, request):
        user_id, _key = self.caller_ids()
        models = await catalog.alist_models(user_id=user_id)
        return Response({"object": "list", "data": [m.as_openai() for m in models]})


class ModelDetailView(MeteredView):
    endpoint = "models"
    required_scope = None

    @extend_schema(
        operation_id="retrieveModel", summary="Retrieve a model", responses={200: serializers.ModelObject, **ERRORS}
    )
    async def get(self, request, model_id: str):
        user_id, _key = self.caller_ids()
        self.requested_model = model_id
        model = self.model_found(await catalog.aget_model(model_id=model_id, user_id=user_id))
        return Response(model.as_openai())


class InferenceView(JSONBodyMixin, MeteredView):
    """What chat, completions and embeddings share: model, credits, limits, dispatch."""

    required_scope = "inference"
    admit_on_entry = False
    request_serializer: type = serializers.SamplingFields

    def validated(self, request) -> dict:
        if isinstance(request.data, dict) and isinstance(request.data.get("model"), str):
            self.requested_model = request.data["model"]  # for the request log, found or not
        serializer = self.request_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    async def reserve(self, *, tokens: int) -> None:
        """Take the reservation from the caller's buckets (given back, less what was used, when metered)."""
        self.reserved_tokens = tokens
        await self.admit(tokens=tokens)

    def priced(self, model: catalog.ModelInfo, prompt_tokens: int, completion_tokens: int) -> None:
        self.usage.update(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost=completions.cost(model, prompt_tokens, completion_tokens),
        )


class GenerationView(InferenceView):
    """Chat and text completions, streamed or not."""

    object_name = ""

    def prompt_params(self, data: dict) -> dict:
        raise NotImplementedError

    def prompt_text(self, data: dict) -> str:
        raise NotImplementedError

    def choice(self, index: int, text: str, finish_reason: str | None) -> dict:
        raise NotImplementedError

    def chunk_choice(self, index: int, text: str | None, finish_reason: str | None, *, first: bool) -> dict:
        raise NotImplementedError

    async def post(self, request):
        data = self.validated(request)
        user_id, _key = self.caller_ids()
        model = self.model_found(await catalog.aget_model(model_id=data["model"], user_id=user_id))
        completion = await completions.completion_start(
            user_id=user_id,
            model=model,
            request_id=self.request_id,
            admit=self.reserve,
            data=data,
            prompt=self.prompt_params(data),
            prompt_text=self.prompt_text(data),
        )
        model, n = completion.model, completion.n
        if data.get("stream"):
            include_usage = bool((data.get("stream_options") or {}).get("include_usage"))
            first = await anext(completion.events)  # errors before the first token still get their HTTP status
            return self.stream(
                completion.events, first, model=model, n=n, created=completion.created, include_usage=include_usage
            )
        answer = await completion.answer()
        self.priced(model, answer.prompt_tokens, answer.completion_tokens)
        usage = {"prompt_tokens": answer.prompt_tokens, "completion_tokens": answer.completion_tokens}
        return Response(
            {
                "id": self.response_id(),
                "object": self.object_name,
                "created": completion.created,
                "model": model.model_id,
                "system_fingerprint": None,
                "choices": [self.choice(i, answer.texts[i], answer.reasons.get(i, "stop")) for i in range(n)],
                "usage": {**usage, "total_tokens": answer.prompt_tokens + answer.completion_tokens},
            }
        )

    def response_id(self) -> str:
        return self.request_id.replace("req_", "chatcmpl-" if self.object_name == "chat.completion" else "cmpl-")

    def stream(self, events, first: dict, *, model, n: int, created: int, include_usage: bool):
        self.usage["stream"] = True
        self.metered = True  # recorded when the stream ends
        chunk_object = f"{self.object_name}.chunk" if self.object_name == "chat.completion" else self.object_name
        base = {
            "id": self.response_id(),
            "object": chunk_object,
            "created": created,
            "model": model.model_id,
            "system_fingerprint": None,
        }

        def sse(payload: dict) -> str:
            return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n"

        keep = [] if self.logs_bodies() else None  # what was sent, for a key that logs bodies
        kept = 0

        def sent(text: str) -> str:
            nonlocal kept
            if keep is not None and kept < BODY_MAX_CHARS:
                keep.append(text)
                kept += len(text)
            return text

        async def body():
            status, error_code, error_message = 200, "", ""
            started = set()
            try:
                event = first
                while True:
                    kind = event["type"]
                    if kind in ("delta", "finish"):
                        index = event["index"]
                        if index not in started and self.object_name == "chat.completion":
                            started.add(index)
                            yield sent(sse({**base, "choices": [self.chunk_choice(index, "", None, first=True)]}))
                        if kind == "delta":
                            yield sent(
                                sse({**base, "choices": [self.chunk_choice(index, event["text"], None, first=False)]})
                            )
                        else:
                            yield sent(
                                sse(
                                    {
                                        **base,
                                        "choices": [
                                            self.chunk_choice(index, None, event["finish_reason"], first=False)
                                        ],
                                    }
                                )
                            )
                    elif kind == "usage":
                        self.priced(model, event["prompt_tokens"], event["completion_tokens"])
                        if include_usage:
                            usage = {
                                "prompt_tokens": event["prompt_tokens"],
                                "completion_tokens": event["completion_tokens"],
                                "total_tokens": event["prompt_tokens"] + event["completion_tokens"],
                            }
                            yield sent(sse({**base, "choices": [], "usage": usage}))
                        break
                    try:
                        event = await anext(events)
                    except StopAsyncIteration:
                        break
                yield sent("data: [DONE]\n\n")
            except OpenAIError as exc:
                status, error_code, error_message = exc.status, exc.code or "", exc.message
                body = await database_sync_to_async(error_body)(
                    message=exc.message, type=exc.type, code=exc.code, param=exc.param, request_id=self.request_id
                )
                yield sent(sse(body))
            except BaseException:
                status, error_code = 499, "client_closed_request"
                raise
            finally:
                self.error_message = error_message
                self.response_body = "".join(keep) if keep is not None else None
                await self.record(status=status, error_code=error_code)

        response = StreamingHttpResponse(body(), content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response


class ChatCompletionsView(GenerationView):
    endpoint = "chat.completions"
    object_name = "chat.completion"
    request_serializer = serializers.ChatCompletionRequest

    def prompt_params(self, data):
        return {"messages": [{"role": m["role"], "content": m.get("content") or ""} for m in data["messages"]]}

    def prompt_text(self, data):
        return "".join(m.get("content") or "" for m in data["messages"])

    def choice(self, index, text, finish_reason):
        return {
            "index": index,
            "message": {"role": "assistant", "content": text, "refusal": None},
            "logprobs": None,
            "finish_reason": finish_reason,
        }

    def chunk_choice(self, index, text, finish_reason, *, first):
        delta = {"role": "assistant", "content": ""} if first else ({"content": text} if text is not None else {})
        return {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}

    @extend_schema(
        operation_id="createChatCompletion",
        summary="Create a chat completion",
        request=serializers.ChatCompletionRequest,
        responses={(200, "application/json"): serializers.ChatCompletion, (200, "text/event-stream"): SSE, **ERRORS},
    )
    async def post(self, request):
        return await super().post(request)


class CompletionsView(GenerationView):
    endpoint = "completions"
    object_name = "text_completion"
    request_serializer = serializers.CompletionRequest

    def prompt_params(self, data):
        return {"prompt": data["prompt"][0]}

    def prompt_text(self, data):
        return data["prompt"][0]

    def choice(self, index, text, finish_reason):
        return {"index": index, "text": text, "logprobs": None, "finish_reason": finish_reason}

    def chunk_choice(self, index, text, finish_reason, *, first):
        return {"index": index, "text": text or "", "logprobs": None, "finish_reason": finish_reason}

    @extend_schema(
        operation_id="createCompletion",
        summary="Create a text completion",
        request=serializers.CompletionRequest,
        responses={(200, "application/json"): serializers.Completion, (200, "text/event-stream"): SSE, **ERRORS},
    )
    async def post(self, request):
        return await super().post(request)


class EmbeddingsView(InferenceView):
    endpoint = "embeddings"
    request_serializer = serializers.EmbeddingRequest

    @extend_schema(
        operation_id="createEmbedding",
        summary="Create embeddings",
        request=serializers.EmbeddingRequest,
        responses={200: serializers.EmbeddingList, **ERRORS},
    )
    async def post(self, request):
        data = self.validated(request)
        user_id, _key = self.caller_ids()
        model = self.model_found(await catalog.aget_model(model_id=data["model"], user_id=user_id))
        completions.model_check_task(model, task="embeddings")
        await completions.credits_check(user_id=user_id, model=model)
        inputs = data["input"]
        await self.reserve(tokens=sum(completions.estimate_tokens(text) for text in inputs))
        run = Dispatch(
            redis=async_redis(),
            task_name=protocol.EMBED_TASK,
            model=model.model_id,
            params={"inputs": inputs},
            request_id=self.request_id,
        )
        vectors, prompt_tokens = [], 0
        async for event in run.events():
            if event["type"] == "embeddings":
                vectors = event["data"]
            elif event["type"] == "usage":
                prompt_tokens = event["prompt_tokens"]
        self.priced(model, prompt_tokens, 0)
        if data.get("dimensions"):
            vectors = [v[: data["dimensions"]] for v in vectors]
        if data["encoding_format"] == "base64":
            encoded = [base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode() for v in vectors]
        else:
            encoded = vectors
        return Response(
            {
                "object": "list",
                "model": model.model_id,
                "data": [{"object": "embedding", "index": i, "embedding": e} for i, e in enumerate(encoded)],
                "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
            }
        )


async def unknown_endpoint(request, path: str = ""):
    """OpenAI's answer for a URL under /v1 that no endpoint serves."""
    from .errors import error_response

    error = OpenAIError(404, f"Invalid URL ({request.method} {request.path}).", code="unknown_url")
    return await database_sync_to_async(error_response)(error, request=request)  # help_url may read the forum
