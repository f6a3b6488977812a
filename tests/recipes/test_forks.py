"""Forking a recipe: the new-job form pre-filled with its configuration, the job carrying
the recipe's id, forks and successful forks counted and paid to the author once each
(never for forking one's own recipe), and a forked job that trains on a real worker."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from community.activity.models import ActivityEvent
from community.recipes import services
from community.recipes.models import Recipe, RecipeFork
from community.rewards.models import PointsEntry
from sandbox.finetuning import services as finetuning
from sandbox.finetuning import testing
from sandbox.finetuning.models import FineTuningJob
from tests.support.activity import deliver

from .conftest import succeed, upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def recipe(dev, succeeded_job):
    return services.recipe_publish(author=dev, job_id=succeeded_job.id, title="Pirate speak")


def fork_form(client, recipe) -> str:
    """Open the recipe, follow its Fork link; the new-job page's HTML."""
    page = client.get(recipe.get_absolute_url()).content.decode()
    href = page.split('id="fork-recipe" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert urlsplit(href).path == reverse("finetuning:job_create")
    response = client.get(href)
    assert response.status_code == 200
    return response.content.decode()


def start_fork(client, recipe, training_file) -> FineTuningJob:
    """Submit the pre-filled form as the browser would (its initial values) with one's own file."""
    page = client.get(recipe.get_absolute_url()).content.decode()
    href = page.split('id="fork-recipe" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    fields = {name: values[0] for name, values in parse_qs(urlsplit(href).query).items()}
    response = client.post(reverse("finetuning:job_create"), {**fields, "training_file": training_file.id})
    assert response.status_code == 302, response.content.decode()[-3000:]
    return FineTuningJob.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])


def points(user, rule) -> list[tuple[int, str]]:
    return list(PointsEntry.objects.filter(user=user, rule_key=rule).values_list("amount", "kind"))


def test_fork_opens_the_job_form_pre_filled_with_the_recipe(client, other_dev, recipe):
    client.force_login(other_dev)
    page = fork_form(client, recipe)
    assert 'id="forked-from"' in page
    assert '<option value="tiny-gpt" selected>' in page
    assert 'name="n_epochs" value="2"' in page and 'name="batch_size" value="4"' in page
    assert f'type="hidden" name="recipe" value="{recipe.pk}"' in page
    # Nothing of the author's data or files: the forker picks their own file.
    assert recipe.job_id not in page and "train.jsonl" not in page
    # A tampered link shows the plain form, never an error page.
    bad = client.get(reverse("finetuning:job_create"), {"n_epochs": "lots", "recipe": "-3", "model": "<b>"})
    assert bad.status_code == 200 and 'name="recipe" value' not in bad.content.decode()
    own = upload(other_dev, testing.chat_dataset(12, seed=9))
    forged = client.post(
        reverse("finetuning:job_create"), {"model": "tiny-gpt", "training_file": own.id, "recipe": "-3"}
    )
    assert forged.status_code == 200 and "greater than or equal to 1" in forged.content.decode()
    assert not FineTuningJob.objects.filter(owner=other_dev).exists()


def test_forks_are_counted_and_paid_once_each(client, dev, other_dev, recipe):
    """A fork: +5 to the author; the forked job succeeding: +10; however often the
    activities are delivered or the job reports success."""
    client.force_login(other_dev)
    job = start_fork(client, recipe, upload(other_dev, testing.chat_dataset(12, seed=3)))
    assert (job.recipe, job.base_model.model_id, job.hyperparameters["n_epochs"]) == (recipe.pk, "tiny-gpt", 2)
    deliver()
    [created] = ActivityEvent.objects.filter(verb="finetune.job.created", target_id=job.id)
    assert created.properties["recipe"] == recipe.pk
    [forked] = ActivityEvent.objects.filter(verb="recipe.forked")
    assert (forked.actor_id, forked.properties) == (
        other_dev.pk,
        {"recipe": recipe.pk, "recipe_author": dev.pk, "job": job.id},
    )
    recipe.refresh_from_db()
    assert (recipe.fork_count, recipe.forks_succeeded) == (1, 0)
    assert points(dev, "recipe.forked") == [(5, "award")]

    succeed(job)
    # A success reported twice changes nothing.
    assert (
        finetuning.finetune_job_succeed(job_id=job.id, dispatch_id="d-test", adapter_path="/tmp/a", metrics={}) is None
    )
    deliver()
    services.recipe_fork_record(recipe_id=recipe.pk, job_id=job.id, forker_id=other_dev.pk)  # redelivered
    services.recipe_fork_succeed(recipe_id=recipe.pk, job_id=job.id, forker_id=other_dev.pk)
    deliver()
    recipe.refresh_from_db()
    assert (recipe.fork_count, recipe.forks_succeeded) == (1, 1)
    assert ActivityEvent.objects.filter(verb="recipe.forked").count() == 1
    [done] = ActivityEvent.objects.filter(verb="recipe.fork.succeeded")
    assert done.properties == {"recipe": recipe.pk, "recipe_author": dev.pk, "job": job.id}
    assert points(dev, "recipe.forked") == [(5, "award")]
    assert points(dev, "recipe.fork.succeeded") == [(10, "award")]
    assert points(other_dev, "recipe.forked") == points(other_dev, "recipe.fork.succeeded") == []
    page = client.get(recipe.get_absolute_url()).content.decode()
    assert 'id="fork-count">1 fork<' in page and 'id="forks-succeeded">1 succeeded<' in page


def test_a_self_fork_is_counted_but_earns_nothing(client, dev, recipe):
    client.force_login(dev)
    job = start_fork(client, recipe, upload(dev, testing.chat_dataset(12, seed=4)))
    deliver()
    succeed(job)
    deliver()
    recipe.refresh_from_db()
    assert (recipe.fork_count, recipe.forks_succeeded) == (1, 1)
    assert points(dev, "recipe.forked") == points(dev, "recipe.fork.succeeded") == []
    assert points(dev, "recipe.published") == [(10, "award")]


def test_a_job_with_an_unknown_recipe_counts_nothing(dev, base_model):
    file = upload(dev, testing.chat_dataset(12, seed=6))
    job, _created = finetuning.finetune_job_create(owner=dev, model="tiny-gpt", training_file=file.id, recipe=4242)
    deliver()
    succeed(job)
    deliver()
    assert not RecipeFork.objects.exists()
    assert not ActivityEvent.objects.filter(verb__startswith="recipe.").exists()


@pytest.mark.slow
def test_a_forked_job_trains_on_a_real_worker(client, dev, other_dev, recipe, training_worker):
    """The forked job runs (tiny model, CPU worker) and its success is counted for the recipe."""
    client.force_login(other_dev)
    job = start_fork(client, recipe, upload(other_dev, testing.chat_dataset(12, seed=8, high=10)))
    deadline = time.monotonic() + 240
    while not FineTuningJob.objects.filter(pk=job.pk, settled=True).exists():
        assert time.monotonic() < deadline, f"{job.id} did not finish\n{training_worker.output}"
        time.sleep(0.3)
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error, training_worker.output)
    assert job.recipe == recipe.pk and job.hyperparameters["n_epochs"] == 2
    deliver()
    recipe = Recipe.objects.get(pk=recipe.pk)
    assert (recipe.fork_count, recipe.forks_succeeded) == (1, 1)
    assert points(dev, "recipe.fork.succeeded") == [(10, "award")]
