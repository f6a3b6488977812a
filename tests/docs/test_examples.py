"""Examples that never drift: every code block marked ``{.runnable}`` in the docs is run
against a real Atrium (uvicorn + a Celery worker, a real API key) and must succeed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from portal.docs import pages
from sandbox.registry.models import HostedModel

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


@pytest.fixture
def live_api(asgi_server, celery_worker, transactional_db):
    """A running Atrium with the default models registered and a user's real key.

    Function-scoped: transactional_db empties the tables after each test.
    """
    from portal.apikeys.services import api_key_create
    from sandbox.inference.defaults import MINILM_ID
    from tests.factories import UserFactory

    HostedModel.objects.create(
        model_id="echo",
        backend=HostedModel.Backend.ECHO,
        task=HostedModel.Task.CHAT,
        context_length=4096,
        max_output_tokens=4096,
    )
    HostedModel.objects.create(
        model_id=MINILM_ID,
        backend=HostedModel.Backend.SENTENCE_EMBEDDING,
        task=HostedModel.Task.EMBEDDINGS,
        source=f"atrium:{MINILM_ID}",
        context_length=256,
        max_output_tokens=0,
    )
    _key, secret = api_key_create(user=UserFactory(email="examples@example.com"), name="docs examples")
    return {"base_url": f"{asgi_server}/v1", "api_key": secret}


def test_the_docs_mark_examples_in_every_language_as_runnable():
    languages = {param.values[0].language for param in EXAMPLES}
    assert languages == {"bash", "python", "javascript"}
    assert len(EXAMPLES) >= 20
    assert shutil.which("node"), "Node.js runs the JavaScript examples"


@pytest.mark.django_db(transaction=True)
def test_the_harness_fails_a_broken_example(live_api):
    """A runnable example that errors (here: a wrong model) makes the run fail."""
    code = pages.runnable_examples(pages.page_get("getting-started"), base_url=PLACEHOLDER)[1].code
    result = run_example(code.replace('"echo"', '"no-such-model"'), "python", **live_api)
    assert result.returncode != 0
    assert "404" in result.stderr and "no-such-model" in result.stderr


@pytest.mark.parametrize("example", EXAMPLES)
def test_runnable_example_succeeds(example, live_api):
    result = run_example(example.code, example.language, **live_api)
    assert result.returncode == 0, f"{example.page_slug} line {example.line} failed:\n{result.stdout}\n{result.stderr}"
    assert result.stdout.strip(), "an example shows its result"
    if example.page_slug == "getting-started":
        assert "Hello from Atrium" in result.stdout or "你好 Atrium" in result.stdout
