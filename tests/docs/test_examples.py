"""Examples that never drift: every code block marked ``{.runnable}`` in the docs is run
against a real Atrium (uvicorn + a Celery worker, real API keys) and must succeed.

The examples that generate text call the default model, the one a new user gets, so they
show what it really answers. A page's examples run at the same time, each with a key of
its own, as separate users would call: the worker batches their generation, which keeps
the run short on CPU."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.management import call_command

from portal.docs import pages

PLACEHOLDER = "{{ base_url }}"
# Pages whose examples generate text: they call the default model.
GENERATING_PAGES = {"getting-started", "chat-completions", "completions"}


def _collect() -> dict[str, list[pages.RunnableExample]]:
    """Each page's runnable examples, by ``<language>/<slug>``."""
    by_page = {}
    for language in pages.languages_with_content():
        for page in pages.pages_all(language):
            if page.language != language:
                continue
            examples = pages.runnable_examples(page, base_url=PLACEHOLDER)
            if examples:
                by_page[f"{language}/{page.slug}"] = examples
    return by_page


EXAMPLES_BY_PAGE = _collect()
EXAMPLES = [example for examples in EXAMPLES_BY_PAGE.values() for example in examples]

COMMANDS = {
    "bash": lambda code: ["bash", "-euo", "pipefail", "-c", code],
    "python": lambda code: [sys.executable, "-c", code],
    "javascript": lambda code: ["node", "--input-type=module", "-e", code],
}


def run_example(code: str, language: str, *, base_url: str, api_key: str, timeout: float = 120):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "HF_"))}
    env.update(ATRIUM_API_KEY=api_key, ATRIUM_BASE_URL=base_url, HF_HUB_OFFLINE="0", NO_COLOR="1")
    return subprocess.run(
        COMMANDS[language](code.replace(PLACEHOLDER, base_url)),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def live_api(asgi_server, celery_worker, transactional_db):
    """A running Atrium's /v1 base URL, with the default models registered as `make run`
    registers them (`prepare_models`: echo, all-minilm-l6-v2 and smollm2-135m-instruct,
    converted into MODEL_STORE the first time).

    Function-scoped: transactional_db empties the tables after each test.
    """
    call_command("prepare_models", stdout=io.StringIO())
    return f"{asgi_server}/v1"


def api_key(name: str):
    """A new user's key (one per example, so usage and rate limits stay apart): (key, secret)."""
    from portal.apikeys.services import api_key_create
    from tests.factories import UserFactory

    return api_key_create(user=UserFactory(), name=name)


def models_called(key) -> set[str]:
    """The models that ``key``'s successful calls named, from the usage records (flushed now)."""
    from sandbox.usage.models import UsageRecord
    from sandbox.usage.services import usage_records_flush

    usage_records_flush()
    return set(UsageRecord.objects.filter(api_key=key, status_code=200).values_list("model_id", flat=True))


def test_the_docs_mark_examples_in_every_language_as_runnable():
    assert {example.language for example in EXAMPLES} == {"bash", "python", "javascript"}
    assert len(EXAMPLES) >= 20
    assert shutil.which("node"), "Node.js runs the JavaScript examples"


def test_the_examples_that_generate_text_name_the_default_model():
    """Not `echo`: the docs show what the real default model does."""
    generating = [example for example in EXAMPLES if example.page_slug in GENERATING_PAGES]
    assert len(generating) >= 2 * 16
    for example in generating:
        assert settings.DEFAULT_CHAT_MODEL in example.code, f"{example.page_slug} line {example.line}"
        assert '"echo"' not in example.code, f"{example.page_slug} line {example.line}"


@pytest.mark.django_db(transaction=True)
def test_the_harness_fails_a_broken_example(live_api):
    """A runnable example that errors (here: a wrong model) makes the run fail."""
    code = pages.runnable_examples(pages.page_get("getting-started"), base_url=PLACEHOLDER)[1].code
    broken = code.replace(f'"{settings.DEFAULT_CHAT_MODEL}"', '"no-such-model"')
    assert broken != code
    _key, secret = api_key("broken example")
    result = run_example(broken, "python", base_url=live_api, api_key=secret)
    assert result.returncode != 0
    assert "404" in result.stderr and "no-such-model" in result.stderr


@pytest.mark.parametrize("page_id", sorted(EXAMPLES_BY_PAGE))
def test_runnable_examples_succeed(page_id, live_api):
    examples = EXAMPLES_BY_PAGE[page_id]
    keys = [api_key(f"{page_id}:{example.line}") for example in examples]
    with ThreadPoolExecutor(max_workers=len(examples)) as pool:
        results = list(
            pool.map(
                lambda job: run_example(job[0].code, job[0].language, base_url=live_api, api_key=job[1][1]),
                zip(examples, keys, strict=True),
            )
        )
    failures = []
    for example, (key, _secret), result in zip(examples, keys, results, strict=True):
        where = f"{page_id} line {example.line} ({example.language})"
        if result.returncode != 0:
            failures.append(f"{where} failed:\n{result.stdout}\n{result.stderr}")
        elif not result.stdout.strip():
            failures.append(f"{where} printed nothing: an example shows its result")
        elif example.page_slug in GENERATING_PAGES and models_called(key) != {settings.DEFAULT_CHAT_MODEL}:
            # The usage records say which model served the calls: the real one, not echo.
            failures.append(f"{where} was not served by {settings.DEFAULT_CHAT_MODEL}: {models_called(key)}")
    assert not failures, "\n\n".join(failures)
