"""A mock OpenAI server for bench/gateway.py: answers /v1/chat/completions as the echo
model does (the last user message, word by word, up to max_tokens). Plain ASGI, no deps."""

import json
import time
import uuid


async def _body(receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    request = json.loads(await _body(receive) or b"{}")
    if scope["path"].endswith("/models"):
        payload = {"object": "list", "data": [{"id": "echo", "object": "model", "created": 0, "owned_by": "mock"}]}
    else:
        users = [m.get("content") or "" for m in request.get("messages", []) if m.get("role") == "user"]
        words = (users[-1] if users else "").split()
        max_tokens = request.get("max_tokens") or len(words)
        text = " ".join(words[:max_tokens])
        payload = {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", "echo"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "logprobs": None,
                    "finish_reason": "length" if max_tokens < len(words) else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": len(words),
                "completion_tokens": min(max_tokens, len(words)),
                "total_tokens": len(words) + min(max_tokens, len(words)),
            },
        }
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
