"""Schemathesis over every /v1 operation of the OpenAPI schema the site serves, against the
real ASGI server and a real worker: hostile and boundary input (its coverage phase) and
random input (hypothesis, positive and negative) must never get a 5xx, and every answer
must be one the schema documents, with the documented content type and body.

Reproducible: hypothesis is derandomized and the example database is off, so a run
sends the same requests every time; bounded by MAX_EXAMPLES per operation (about a
minute on a 2-core machine).

Not checked here: schemathesis's positive_data_acceptance and negative_data_rejection.
Valid JSON can still be refused for what a schema cannot say (a model that must exist and
serve that endpoint, a training file that must be valid JSONL, a job that must still be
running); tests/security/test_v1_hostile_input.py checks the limits the schema does state.
"""

from __future__ import annotations

import zlib
from decimal import Decimal

import httpx2 as httpx
import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from schemathesis.engine import events

from portal.billing.services import credits_grant
from sandbox.finetuning import services, testing
from tests.apikeys.fixtures import *  # noqa: F403
from tests.support.processes import start_asgi_server

pytestmark = pytest.mark.django_db(transaction=True)

MAX_EXAMPLES = 20
# Job creation must never start training: jobs go to a queue that no worker consumes.
UNCONSUMED_TRAINING_QUEUE = "training-schemathesis-nobody"
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance"]
# Thousands of requests a minute from one key: rate limits must not answer in place of the endpoints.
UNLIMITED = {
    name: "100000000"
    for name in ("RATE_LIMIT_KEY_RPM", "RATE_LIMIT_KEY_TPM", "RATE_LIMIT_ACCOUNT_RPM", "RATE_LIMIT_ACCOUNT_TPM")
}
# Cheap models that the inference operations' cases are pointed at (see aim_at_served_objects).
SERVED_MODEL = {"/v1/chat/completions": "echo", "/v1/completions": "echo", "/v1/embeddings": "all-minilm-l6-v2"}


@pytest.fixture(scope="module")
def fuzz_server(django_db_setup, django_db_blocker):
    server, url = start_asgi_server(FINETUNE_TRAINING_QUEUE=UNCONSUMED_TRAINING_QUEUE, **UNLIMITED)
    yield url
    server.stop()


@pytest.fixture
def fine_tuning_objects(user, settings, tmp_path_factory):
    """A training file, a queued job with an event and a checkpoint: list operations then
    answer with real objects, whose bodies the schema must describe."""
    from sandbox.finetuning.models import FineTuningCheckpoint
    from sandbox.registry.models import HostedModel

    settings.FINETUNE_TRAINING_QUEUE = UNCONSUMED_TRAINING_QUEUE
    settings.FINETUNE_MIN_EXAMPLES = 10
    weights = testing.build_tiny_lm(tmp_path_factory.mktemp("tiny-lm"), hidden=32, layers=1, heads=2, positions=256)
    base = HostedModel.objects.create(
        model_id="tiny-gpt",
        backend=HostedModel.Backend.CAUSAL_LM,
        task=HostedModel.Task.CHAT,
        source=str(weights),
        context_length=256,
        max_output_tokens=32,
    )
    rows = testing.write_jsonl(tmp_path_factory.mktemp("data") / "train.jsonl", testing.chat_dataset(12))
    upload = SimpleUploadedFile("train.jsonl", rows.read_bytes(), content_type="application/jsonl")
    file = services.file_create(owner=user, upload=upload, purpose="fine-tune")
    credits_grant(user=user, amount=Decimal("100"), reason="test grant")
    job, _created = services.finetune_job_create(owner=user, model=base.model_id, training_file=file.id)
    FineTuningCheckpoint.objects.create(job=job, step=4, path="/nonexistent", metrics={"train_loss": 1.5})
    return {"file_id": file.id, "job_id": job.id}


def _half(value) -> bool:
    return zlib.crc32(repr(value).encode("utf-8", "backslashreplace")) % 2 == 0


def aim_at_served_objects(real_ids: dict[str, str]):
    """A map_case hook: about half the cases (decided by their own values, so runs repeat)
    name a served model, a real file or a real job: those reach a worker or a stored row
    and must answer in the documented shape; the others get the errors before that."""

    def map_case(context, case):
        served = SERVED_MODEL.get(case.operation.path)
        if served and isinstance(case.body, dict) and isinstance(case.body.get("model"), str) and _half(case.body):
            case.body["model"] = served
        for name, real in real_ids.items():
            value = (case.path_parameters or {}).get(name)
            if isinstance(value, str) and _half(value):
                case.path_parameters[name] = real
        return case

    return map_case


def ids_of_path_only_operations(raw: dict) -> list[str]:
    return [
        operation["operationId"]
        for methods in raw["paths"].values()
        for operation in methods.values()
        if "requestBody" not in operation and all(p["in"] == "path" for p in operation.get("parameters", []))
    ]


def test_v1_answers_what_its_schema_says_and_never_5xx(
    fuzz_server, celery_worker, secret, echo_model, minilm, fine_tuning_objects
):
    """Every operation of the served schema: 0 server errors, 0 undocumented statuses,
    content types or bodies, over schemathesis's examples, coverage and fuzzing phases."""
    raw = httpx.get(f"{fuzz_server}/api/schema/?format=json", timeout=30).raise_for_status().json()
    config = schemathesis.Config.from_dict(
        {
            "base-url": fuzz_server,
            "headers": {"Authorization": f"Bearer {secret}"},
            "seed": 0,
            "suppress-health-check": ["all"],
            "request-timeout": 60,
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {"enabled": False, **{check: {"enabled": True} for check in CHECKS}},
            # A free-form string in the path is all these take: there is nothing to negate, and
            # hypothesis would spend seconds failing to. Coverage still sends them hostile strings.
            "operations": [
                {"include-operation-id": ids_of_path_only_operations(raw), "generation": {"mode": "positive"}}
            ],
        }
    )
    schema = schemathesis.openapi.from_dict(raw, config=config)
    operations = {f"{op.ok().method.upper()} {op.ok().path}" for op in schema.get_all_operations()}
    assert len(operations) >= 16 and all(label.split()[1].startswith("/v1/") for label in operations)

    schema.hooks.register_hook_with_name(aim_at_served_objects(fine_tuning_objects), "map_case")
    failures, errors, tested = [], [], set()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            errors.append(repr(event.exception))
        if not isinstance(event, events.ScenarioFinished):
            continue
        tested.add(event.recorder.label)
        for case_id, checks in event.recorder.checks.items():
            interaction = event.recorder.interactions.get(case_id)
            status = interaction.response.status_code if interaction and interaction.response else None
            for check in checks:
                if check.failure_info is not None:
                    failure = check.failure_info.failure
                    failures.append(
                        f"{event.recorder.label} [{check.name}] {status} {failure.title}\n{failure.message}\n"
                        f"{check.failure_info.code_sample}"
                    )
    assert not errors, "\n\n".join(errors)
    assert not failures, f"{len(failures)} failure(s):\n\n" + "\n\n".join(dict.fromkeys(failures))
    assert tested == operations
