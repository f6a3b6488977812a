"""In a real browser: a developer uploads data on the new-job form, sees the estimated
cost, starts the job, and watches the job page reach `succeeded` on a real worker."""

import json
import re

import pytest
from playwright.sync_api import expect

from sandbox.finetuning import testing
from sandbox.finetuning.models import FineTuningJob
from tests.factories import PASSWORD, UserFactory
from tests.finetuning.conftest import (  # noqa: F401
    _training_queue,
    base_model,
    grant,
    tiny_lm_path,
    training_worker,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_start_a_job_and_watch_it_succeed(page, live_server, base_model, training_worker, tmp_path):  # noqa: F811
    base = live_server.url
    dev = UserFactory(email="trainer@example.org")
    grant(dev)
    data = tmp_path / "support.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in testing.chat_dataset(16, seed=5, high=10)))

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", dev.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator("button[type=submit]").click()
    page.wait_for_load_state()

    page.goto(f"{base}/jobs/")
    page.get_by_role("link", name="New job").click()
    page.select_option("select[name=model]", "tiny-gpt")
    page.set_input_files("input[name=upload]", str(data))
    page.fill("input[name=n_epochs]", "2")
    page.fill("input[name=batch_size]", "4")
    page.fill("input[name=suffix]", "browser")
    expect(page.locator("#estimate-value")).to_have_text(re.compile(r"^0\.\d{4}$"))  # before it runs
    page.get_by_role("button", name="Start fine-tuning").click()

    expect(page.locator("h1")).to_contain_text("ftjob-")
    job = FineTuningJob.objects.get(owner=dev)
    assert float(job.estimated_cost) > 0
    expect(page.locator("#job-status")).to_have_text("Succeeded", timeout=180_000)
    expect(page.locator("#fine-tuned-model")).to_contain_text(":browser:")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    job.refresh_from_db()
    expect(page.get_by_role("link", name="Try it in the Playground")).to_have_attribute(
        "href", "/playground/?model=" + job.fine_tuned_model.replace(":", "%3A")
    )
    expect(page.locator("#events")).to_contain_text("successfully completed")
    expect(page.locator("#checkpoints")).to_contain_text("step 4")
    # The loss chart drew the training curve (8 steps).
    page.wait_for_function(
        "() => Chart.getChart(document.getElementById('loss-chart')).data.datasets[0].data.length === 8"
    )

    page.goto(f"{base}/jobs/")
    expect(page.locator("[data-status=succeeded]")).to_have_count(1)
