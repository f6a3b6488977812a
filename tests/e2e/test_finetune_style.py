"""In a real browser, on the real default model: a developer uploads the 48-example pirate
style file on the new-job form, starts a job with the default settings on
smollm2-135m-instruct, watches the loss fall on the job page, then opens the `ft:` model
in the Playground and gets an answer in the trained style to a question not in the file.

Real processes throughout: the site (uvicorn), a `training` worker and an `inference`
worker. Slow (minutes on the shared CPU: the job trains about 7,700 tokens).
"""

import re
import tempfile

import pytest
from playwright.sync_api import expect

from sandbox.finetuning.models import FineTuningJob
from sandbox.inference.defaults import SMOLLM2_ID, smollm2_path
from sandbox.registry.models import HostedModel
from tests.factories import PASSWORD, UserFactory
from tests.finetuning.conftest import TRAINING_QUEUE, _training_queue, grant  # noqa: F401
from tests.finetuning.style import STYLE_DATASET, has_style
from tests.support.processes import start_asgi_server, start_celery_worker

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site_and_workers(transactional_db):
    """The site, a training worker and an inference worker sharing a scratch model store."""
    store = tempfile.mkdtemp(prefix="atrium-e2e-style-")
    env = {"FINETUNE_TRAINING_QUEUE": TRAINING_QUEUE, "MODEL_STORE": store}
    processes = []
    try:
        server, url = start_asgi_server(**env)
        processes.append(server)
        processes.append(start_celery_worker(queues=TRAINING_QUEUE, pool="solo", concurrency=1, name="e2e-ft", **env))
        processes.append(start_celery_worker(queues="inference", pool="threads", concurrency=4, name="e2e-inf", **env))
        yield url, processes
    finally:
        for process in reversed(processes):
            process.stop()


def test_a_style_learnt_in_the_browser_shows_in_the_playground(page, site_and_workers):
    base, processes = site_and_workers
    HostedModel.objects.create(
        model_id=SMOLLM2_ID,
        display_name="SmolLM2 135M Instruct",
        backend=HostedModel.Backend.CAUSAL_LM,
        task=HostedModel.Task.CHAT,
        source=str(smollm2_path()),  # by path: the workers' model store is a scratch one
        context_length=8192,
        max_output_tokens=64,
    )
    dev = UserFactory(email="pirate@example.org")
    grant(dev)

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", dev.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator("button[type=submit]").click()
    page.wait_for_load_state()

    # Default settings: only the model and the file are chosen.
    page.goto(f"{base}/jobs/")
    page.get_by_role("link", name="New job").click()
    page.select_option("select[name=model]", SMOLLM2_ID)
    page.set_input_files("input[name=upload]", str(STYLE_DATASET))
    page.get_by_role("button", name="Start fine-tuning").click()
    expect(page.locator("h1")).to_contain_text("ftjob-")
    job = FineTuningJob.objects.get(owner=dev)
    assert job.hyperparameters["n_epochs"] == 3 and job.hyperparameters["batch_size"] == 4

    # The page shows the loss falling while the job runs, and at the end.
    expect(page.locator("#loss-last")).to_be_visible(timeout=300_000)
    expect(page.locator("#job-status")).to_have_text("Succeeded", timeout=1_200_000)
    first = float(page.locator("#loss-first").inner_text())
    last = float(page.locator("#loss-last").inner_text())
    assert page.locator("#loss-first").get_attribute("data-step") == "1"
    assert page.locator("#loss-last").get_attribute("data-step") == "36"
    assert last < first / 2, (first, last)
    page.wait_for_function(
        "() => Chart.getChart(document.getElementById('loss-chart')).data.datasets[0].data.length === 36"
    )
    expect(page.locator("#checkpoints .checkpoint-model")).to_have_count(3)

    # The fine-tuned model answers a question that is not in the file, in the style.
    page.get_by_role("link", name="Try it in the Playground").click()
    job.refresh_from_db()
    expect(page.locator("#pg-model")).to_have_value(job.fine_tuned_model)
    page.locator("#pg-temperature").fill("0")
    page.fill("#pg-max-tokens", "16")
    page.get_by_label("Message", exact=True).fill("What is a volcano?")
    page.get_by_label("Message", exact=True).press("Enter")
    answer = page.locator(".pg-assistant .pg-content").last
    expect(answer).to_have_text(re.compile(r"\S.{4,}"), timeout=180_000)
    expect(page.locator("#playground[data-state=idle]")).to_be_attached(timeout=180_000)
    text = answer.inner_text()
    assert has_style(text), (text, processes[2].output[-2000:])
