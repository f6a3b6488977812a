"""In a real browser: a developer publishes a succeeded job as a recipe; another opens it,
forks it, sees the new-job form pre-filled with the recipe's configuration, picks their own
file and starts the job, which trains on a real worker and counts as the recipe's fork."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from community.activity.services import activity_events_flush
from community.recipes.models import Recipe
from sandbox.finetuning import services, testing
from sandbox.finetuning.models import FineTuningJob
from tests.factories import PASSWORD, UserFactory
from tests.finetuning.conftest import (  # noqa: F401
    _training_queue,
    base_model,
    grant,
    tiny_lm_path,
    training_worker,
)
from tests.recipes.conftest import succeed

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def uploaded(owner, seed: int, name: str):
    content = "".join(json.dumps(r) + "\n" for r in testing.chat_dataset(12, seed=seed, high=10)).encode()
    return services.file_create(owner=owner, upload=SimpleUploadedFile(name, content), purpose="fine-tune")


def log_in(page, base, user):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_publish_a_recipe_then_fork_it_and_start_the_job(page, live_server, base_model, training_worker):  # noqa: F811
    base = live_server.url
    author, forker = UserFactory(email="chef@example.org"), UserFactory(email="cook@example.org")
    grant(author)
    grant(forker)
    job, _created = services.finetune_job_create(
        owner=author,
        model="tiny-gpt",
        training_file=uploaded(author, 1, "author.jsonl").id,
        hyperparameters={"n_epochs": 2, "batch_size": 4},
    )
    succeed(job)
    own = uploaded(forker, 2, "forker-data.jsonl")
    violations = []  # the pages load under the site's Content-Security-Policy
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))

    log_in(page, base, author)
    page.goto(f"{base}{job.get_absolute_url()}")
    page.get_by_role("link", name="Publish as recipe").click()
    page.fill("input[name=title]", "Short answers on a tiny model")
    page.fill("textarea[name=notes]", "Two epochs are **enough**.")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("h1")).to_have_text("Short answers on a tiny model")
    expect(page.locator("#loss-curve polyline.loss-train")).to_have_count(1)
    recipe = Recipe.objects.get()

    log_in(page, base, forker)
    page.goto(f"{base}/recipes/")
    page.get_by_role("link", name="Short answers on a tiny model").click()
    expect(page.locator("#recipe-notes strong")).to_have_text("enough")
    page.get_by_role("link", name="Fork").click()
    expect(page.locator("#forked-from")).to_be_visible()
    expect(page.locator("select[name=model]")).to_have_value("tiny-gpt")
    expect(page.locator("input[name=n_epochs]")).to_have_value("2")
    expect(page.locator("input[name=batch_size]")).to_have_value("4")
    page.select_option("select[name=training_file]", own.id)
    page.get_by_role("button", name="Start fine-tuning").click()

    expect(page.locator("h1")).to_contain_text("ftjob-")
    forked = FineTuningJob.objects.get(owner=forker)
    assert (forked.recipe, forked.training_file_id, forked.hyperparameters["n_epochs"]) == (recipe.pk, own.id, 2)
    expect(page.locator("#job-status")).to_have_text("Succeeded", timeout=120_000)
    activity_events_flush()
    recipe.refresh_from_db()
    assert (recipe.fork_count, recipe.forks_succeeded) == (1, 1)
    page.goto(f"{base}{recipe.get_absolute_url()}")
    expect(page.locator("#fork-count")).to_have_text("1 fork")
    expect(page.locator("#forks-succeeded")).to_have_text("1 succeeded")
    assert violations == []
