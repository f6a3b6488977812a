"""Request samples for the /v1 API, runnable as copied: curl, Python (the openai SDK) and
JavaScript (Node 18+, ``fetch``), each reading the key from ``$ATRIUM_API_KEY``.

One generator serves every place that shows how to call the API: the model pages (the
call for that model's task, with its id) and the API reference (``x-codeSamples`` and the
request body examples of every /v1 operation). The tabs' labels are the docs pages' own,
so the language a reader picks on one page is picked on the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

CURL, PYTHON, JAVASCRIPT = "curl", "Python (openai)", "JavaScript"


@dataclass(frozen=True)
class Sample:
    """One request sample: its tab label, its language (a Pygments lexer name) and code."""

    label: str
    language: str
    code: str

    @property
    def redoc_lang(self) -> str:
        """The language name Redoc's ``x-codeSamples`` expects."""
        return {"bash": "Shell", "python": "Python", "javascript": "JavaScript"}[self.language]


@dataclass(frozen=True)
class Call:
    """One /v1 operation as a client makes it.

    ``sdk`` is the openai client's method (``chat.completions.create``), ``args`` its
    positional arguments (ids), ``body`` the JSON body (also the keyword arguments), and
    ``python_shows`` / ``javascript_shows`` what each sample prints of the ``result``.
    """

    method: str
    path: str
    sdk: str
    args: tuple[str, ...] = ()
    body: dict | None = None
    upload: tuple[str, str] | None = None  # multipart: (file name, purpose)
    python_shows: str = "result"
    javascript_shows: str = "result"


SAMPLE_MESSAGES = [{"role": "user", "content": "Write a haiku about the sea."}]
SAMPLE_INPUT = ["The cat sat on the mat.", "A kitten rests on a rug."]
SAMPLE_FILE_ID = "file-abc123"
SAMPLE_JOB_ID = "ftjob-abc123"


def calls(*, chat_model: str, embedding_model: str, max_tokens: int = 40) -> dict[str, Call]:
    """Every /v1 operation, by operation id, as a client calls it with these models."""
    job = SAMPLE_JOB_ID
    return {
        "createChatCompletion": Call(
            "POST",
            "/chat/completions",
            "chat.completions.create",
            body={"model": chat_model, "messages": SAMPLE_MESSAGES, "max_tokens": max_tokens},
            python_shows="result.choices[0].message.content",
            javascript_shows="result.choices[0].message.content",
        ),
        "createCompletion": Call(
            "POST",
            "/completions",
            "completions.create",
            body={"model": chat_model, "prompt": "Once upon a time", "max_tokens": max_tokens},
            python_shows="result.choices[0].text",
            javascript_shows="result.choices[0].text",
        ),
        "createEmbedding": Call(
            "POST",
            "/embeddings",
            "embeddings.create",
            body={"model": embedding_model, "input": SAMPLE_INPUT},
            python_shows="len(result.data), len(result.data[0].embedding)",
            javascript_shows="result.data.length, result.data[0].embedding.length",
        ),
        "listModels": Call("GET", "/models", "models.list", python_shows="[model.id for model in result.data]",
                           javascript_shows="result.data.map((model) => model.id)"),
        "retrieveModel": Call("GET", f"/models/{chat_model}", "models.retrieve", args=(chat_model,)),
        "listFiles": Call("GET", "/files", "files.list", python_shows="[file.id for file in result.data]",
                          javascript_shows="result.data.map((file) => file.id)"),
        "createFile": Call("POST", "/files", "files.create", upload=("train.jsonl", "fine-tune"),
                           python_shows="result.id", javascript_shows="result.id"),
        "retrieveFile": Call("GET", f"/files/{SAMPLE_FILE_ID}", "files.retrieve", args=(SAMPLE_FILE_ID,)),
        "deleteFile": Call("DELETE", f"/files/{SAMPLE_FILE_ID}", "files.delete", args=(SAMPLE_FILE_ID,)),
        "downloadFile": Call("GET", f"/files/{SAMPLE_FILE_ID}/content", "files.content", args=(SAMPLE_FILE_ID,),
                             python_shows="result.text", javascript_shows="result"),
        "listFineTuningJobs": Call("GET", "/fine_tuning/jobs", "fine_tuning.jobs.list",
                                   python_shows="[(job.id, job.status) for job in result.data]",
                                   javascript_shows="result.data.map((job) => [job.id, job.status])"),
        "createFineTuningJob": Call(
            "POST",
            "/fine_tuning/jobs",
            "fine_tuning.jobs.create",
            body={"model": chat_model, "training_file": SAMPLE_FILE_ID, "suffix": "pirate"},
            python_shows="result.id, result.status",
            javascript_shows="result.id, result.status",
        ),
        "retrieveFineTuningJob": Call("GET", f"/fine_tuning/jobs/{job}", "fine_tuning.jobs.retrieve", args=(job,),
                                      python_shows="result.status, result.fine_tuned_model",
                                      javascript_shows="result.status, result.fine_tuned_model"),
        "cancelFineTuningJob": Call("POST", f"/fine_tuning/jobs/{job}/cancel", "fine_tuning.jobs.cancel",
                                    args=(job,), python_shows="result.status", javascript_shows="result.status"),
        "listFineTuningCheckpoints": Call("GET", f"/fine_tuning/jobs/{job}/checkpoints",
                                          "fine_tuning.jobs.checkpoints.list", args=(job,),
                                          python_shows="[checkpoint.id for checkpoint in result.data]",
                                          javascript_shows="result.data.map((checkpoint) => checkpoint.id)"),
        "listFineTuningEvents": Call("GET", f"/fine_tuning/jobs/{job}/events", "fine_tuning.jobs.list_events",
                                     args=(job,), python_shows="[event.message for event in result.data]",
                                     javascript_shows="result.data.map((event) => event.message)"),
    }  # fmt: skip


def samples(call: Call, *, base_url: str) -> list[Sample]:
    """``call`` in curl, Python and JavaScript against ``base_url`` (this site's /v1 URL)."""
    return [
        Sample(CURL, "bash", _curl(call, base_url)),
        Sample(PYTHON, "python", _python(call, base_url)),
        Sample(JAVASCRIPT, "javascript", _javascript(call, base_url)),
    ]


def _curl(call: Call, base_url: str) -> str:
    lines = [f"curl -sS --fail-with-body {base_url}{call.path}"]
    if call.method not in ("GET", "POST") or (call.method == "POST" and call.body is None and call.upload is None):
        lines.append(f"-X {call.method}")
    lines.append('-H "Authorization: Bearer $ATRIUM_API_KEY"')
    if call.upload is not None:
        name, purpose = call.upload
        lines += [f"-F purpose={purpose}", f"-F file=@{name}"]
    elif call.body is not None:
        body = _literal(call.body, language="json", indent="  ").replace("'", "'\\''")
        lines += ['-H "Content-Type: application/json"', f"-d '{body}'"]
    return " \\\n  ".join(lines) + "\n"


def _python(call: Call, base_url: str) -> str:
    arguments = [json.dumps(arg) for arg in call.args]
    if call.upload is not None:
        name, purpose = call.upload
        arguments += [f'file=open("{name}", "rb")', f'purpose="{purpose}"']
    arguments += [
        f"{name}={_literal(value, language='python', indent='    ')}" for name, value in (call.body or {}).items()
    ]
    if len(arguments) > 1:
        invocation = "(\n" + "".join(f"    {argument},\n" for argument in arguments) + ")"
    else:
        invocation = "(" + "".join(arguments) + ")"
    return (
        "import os\n\n"
        "from openai import OpenAI\n\n"
        f'client = OpenAI(base_url="{base_url}", api_key=os.environ["ATRIUM_API_KEY"])\n\n'
        f"result = client.{call.sdk}{invocation}\n"
        f"print({call.python_shows})\n"
    )


def _javascript(call: Call, base_url: str) -> str:
    headers = ['    "Authorization": `Bearer ${process.env.ATRIUM_API_KEY}`,']
    prelude, body = "", ""
    if call.upload is not None:
        name, purpose = call.upload
        prelude = (
            'import { openAsBlob } from "node:fs";\n\n'
            "const form = new FormData();\n"
            f'form.append("purpose", "{purpose}");\n'
            f'form.append("file", await openAsBlob("{name}"), "{name}");\n'
        )
        body = "  body: form,\n"
    elif call.body is not None:
        headers.append('    "Content-Type": "application/json",')
        body = f"  body: JSON.stringify({_literal(call.body, language='javascript', indent='  ')}),\n"
    reads = "response.text()" if call.sdk == "files.content" else "response.json()"
    return (
        prelude
        + f'const response = await fetch("{base_url}{call.path}", {{\n'
        + f'  method: "{call.method}",\n'
        + "  headers: {\n"
        + "".join(f"{header}\n" for header in headers)
        + "  },\n"
        + body
        + "});\n"
        + "if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);\n"
        + f"const result = await {reads};\n"
        + f"console.log({call.javascript_shows});\n"
    )


def _literal(value, *, language: str, indent: str = "") -> str:
    """``value`` (JSON data) as source in ``language`` ("json", "python" or "javascript"),
    laid out as the docs write it: a container of plain values on one line, one holding
    containers an entry a line, from a line indented by ``indent``."""
    if isinstance(value, bool) or value is None:
        return repr(value) if language == "python" else json.dumps(value)
    if isinstance(value, str | int | float):
        return json.dumps(value, ensure_ascii=False)
    step = "    " if language == "python" else "  "
    items = value.values() if isinstance(value, dict) else value
    nested = any(isinstance(item, dict | list) for item in items)
    inner = indent + step if nested else indent
    if isinstance(value, dict):

        def key(name: str) -> str:
            return name if language == "javascript" and name.isidentifier() else json.dumps(name)

        entries = [f"{key(k)}: {_literal(v, language=language, indent=inner)}" for k, v in value.items()]
        opening, closing = ("{ ", " }") if language == "javascript" and not nested else ("{", "}")
    else:
        entries = [_literal(item, language=language, indent=inner) for item in value]
        opening, closing = "[", "]"
    if not nested:
        return opening + ", ".join(entries) + closing
    trailing = "" if language == "json" else ","
    return "{}\n{}{}\n{}{}".format(
        opening.strip(), ",\n".join(inner + entry for entry in entries), trailing, indent, closing.strip()
    )


# The operation that calls a model of each task (the registry's ``Task`` values).
TASK_OPERATIONS = {"chat": "createChatCompletion", "embeddings": "createEmbedding"}


def model_samples(*, model_id: str, task: str, base_url: str, max_tokens: int = 40) -> list[Sample]:
    """How to call ``model_id`` on the endpoint for its task; empty for a task without one."""
    operation = TASK_OPERATIONS.get(task)
    if operation is None:
        return []
    table = calls(chat_model=model_id, embedding_model=model_id, max_tokens=max_tokens)
    return samples(table[operation], base_url=base_url)


def as_tabs(samples_: list[Sample]) -> str:
    """``samples_`` as the docs' Markdown code tabs (``=== "label"``), for the DOCS renderer."""
    blocks = []
    for sample in samples_:
        fence = "\n".join("    " + line if line else "" for line in sample.code.rstrip("\n").split("\n"))
        blocks.append(f'=== "{sample.label}"\n\n    ```{sample.language}\n{fence}\n    ```\n')
    return "\n".join(blocks)


def model_endpoint(*, task: str) -> str:
    """The request line that calls a model of ``task`` (``POST /v1/chat/completions``), or ""."""
    operation = TASK_OPERATIONS.get(task)
    if operation is None:
        return ""
    call = calls(chat_model="", embedding_model="")[operation]
    return f"{call.method} /v1{call.path}"
