"""Examples that never drift: every code block marked ``{.runnable}`` in the docs is run
against a real Atrium (uvicorn + a Celery worker, a real API key) and must succeed."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.management import call_command

from portal.docs import pages

PLACEHOLDER = "{{ base_url }}"


def _collect() -> list[pytest.param]:
    params = []
    for language in pages.languages_with_content():
        for page in pages.pages_all(language):
            if page.language != language:
                continue
            for example in pages.runnable_examples(page, base_url=PLACEHOLDER):
                params.append(pytest.param(example, id=f"{language}/{page.slug}:{example.line}:{example.language}"))
    return params


EXAMPLES = _collect()

COMMANDS = {
    "bash": lambda code: ["bash", "-euo", "pipefail", "-c", code],
    "python": lambda code: [sys.executable, "-c", code],
    "javascript": lambda code: ["node", "--input-type=module", "-e", code],
}


def run_example(code: str, language: str, *, base_url: str, api_key: str, timeout: float = 90):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "HF_"))}
    env.update(ATRIUM_API_KEY=api_key, ATRIUM_BASE_URL=base_url, HF_HUB_OFFLINE="0", NO_COLOR="1")
    return subprocess.run(
        COMMANDS[language](code.replace(PLACEHOLDER, base_url)),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass
class LiveApi:
    base_url: str
    api_key: str
    key: object

    def run(self, code: str, language: str):
        return run_example(code, language, base_url=self.base_url, api_key=self.api_key)


@pytest.fixture
def live_api(asgi_server, celery_worker, transactional_db):
    """A running Atrium with the default models registered as `make run` registers them
    (`prepare_models`: echo, all-minilm-l6-v2 and smollm2-135m-instruct, converted into
    MODEL_STORE the first time), and a user's real key.

    Function-scoped: transactional_db empties the tables after each test.
    """
    from portal.apikeys.services import api_key_create
    from tests.factories import UserFactory

    call_command("prepare_models", stdout=io.StringIO())
    key, secret = api_key_create(user=UserFactory(email="examples@example.com"), name="docs examples")
    return LiveApi(base_url=f"{asgi_server}/v1", api_key=secret, key=key)


def models_called(key) -> set[str]:
    """The models the calls made with ``key`` named, from the usage records (flushed now)."""
    from sandbox.usage.models import UsageRecord
    from sandbox.usage.services import usage_records_flush

    usage_records_flush()
    return set(UsageRecord.objects.filter(api_key=key, status_code=200).values_list("model_id", flat=True))


def test_the_docs_mark_examples_in_every_language_as_runnable():
    languages = {param.values[0].language for param in EXAMPLES}
    assert languages == {"bash", "python", "javascript"}
    assert len(EXAMPLES) >= 20
    assert shutil.which("node"), "Node.js runs the JavaScript examples"


# Pages whose examples generate text: they call the default model, the one a new user gets.
GENERATING_PAGES = {"getting-started", "chat-completions", "completions"}


def test_the_examples_that_generate_text_name_the_default_model():
    """Not `echo`: the docs show what the real default model does."""
    generating = [p.values[0] for p in EXAMPLES if p.values[0].page_slug in GENERATING_PAGES]
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
    result = live_api.run(broken, "python")
    assert result.returncode != 0
    assert "404" in result.stderr and "no-such-model" in result.stderr


@pytest.mark.parametrize("example", EXAMPLES)
def test_runnable_example_succeeds(example, live_api):
    result = live_api.run(example.code, example.language)
    assert result.returncode == 0, f"{example.page_slug} line {example.line} failed:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip(), "an example shows its result"
    if example.page_slug in GENERATING_PAGES:
        # The real model answered: the usage records say which model served the calls.
        assert models_called(live_api.key) == {settings.DEFAULT_CHAT_MODEL}
