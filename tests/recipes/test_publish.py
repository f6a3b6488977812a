"""Publishing a recipe: only one's own succeeded job, its figures measured from the training
file (never the data, unless the author attaches a sample), shown on the recipe's page."""

import json

import pytest
from django.urls import reverse

from community.activity.models import ActivityEvent
from community.recipes import selectors, services
from community.recipes.models import Recipe
from community.rewards.models import PointsEntry
from sandbox.finetuning import services as finetuning
from sandbox.finetuning import tokens
from tests.support.activity import deliver

from .conftest import SECRET_WORDS, secret_rows, succeed, upload

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLE = json.dumps(
    {"messages": [{"role": "user", "content": "Say hello"}, {"role": "assistant", "content": "Hello, sailor"}]}
)


def publish_url(job) -> str:
    return reverse("recipes:publish", kwargs={"job_id": job.id})


def test_only_the_owner_of_a_succeeded_job_can_publish_it(client, dev, other_dev, base_model, succeeded_job):
    """Someone else's job and a job that has not succeeded are 404s, page and service alike;
    the owner publishes once, and publishing again leads to the recipe."""
    queued, _created = finetuning.finetune_job_create(
        owner=dev, model="tiny-gpt", training_file=succeeded_job.training_file_id
    )
    client.force_login(other_dev)
    assert client.get(publish_url(succeeded_job)).status_code == 404
    assert client.post(publish_url(succeeded_job), {"title": "Mine now"}).status_code == 404
    with pytest.raises(Exception) as refused:
        services.recipe_publish(author=other_dev, job_id=succeeded_job.id, title="Mine now")
    assert getattr(refused.value, "status_code", 404) == 404

    client.force_login(dev)
    assert client.get(publish_url(queued)).status_code == 404
    assert client.get(publish_url(succeeded_job)).status_code == 200
    response = client.post(publish_url(succeeded_job), {"title": "Pirate speak", "notes": "**Short** replies."})
    recipe = Recipe.objects.get()
    assert response.status_code == 302 and response["Location"] == recipe.get_absolute_url()
    assert (recipe.author, recipe.job_id, recipe.base_model) == (dev, succeeded_job.id, "tiny-gpt")
    assert recipe.hyperparameters == {k: succeeded_job.hyperparameters[k] for k in services.HYPERPARAMETERS}
    assert recipe.hyperparameters["n_epochs"] == 2 and recipe.hyperparameters["batch_size"] == 4
    assert [p["y"] for p in recipe.loss_curve["train"]] == [2.5, 2.0, 1.6, 1.4]

    again = client.post(publish_url(succeeded_job), {"title": "Twice"})
    assert again.status_code == 302 and again["Location"] == recipe.get_absolute_url()
    assert Recipe.objects.count() == 1
    with pytest.raises(services.RecipeError):
        services.recipe_publish(author=dev, job_id=succeeded_job.id, title="Twice")

    deliver()
    [published] = ActivityEvent.objects.filter(verb="recipe.published")
    assert (published.actor_id, published.properties) == (dev.pk, {"recipe": recipe.pk, "base_model": "tiny-gpt"})
    entries = PointsEntry.objects.filter(user=dev, rule_key="recipe.published")
    assert [(e.amount, e.kind) for e in entries] == [(10, "award")]


def test_statistics_are_measured_from_the_training_file(dev, base_model):
    """Examples, tokens per epoch and the length distribution, in the base model's tokens."""
    rows = secret_rows(12)
    file = upload(dev, rows)
    job, _created = finetuning.finetune_job_create(owner=dev, model="tiny-gpt", training_file=file.id)
    job = succeed(job)
    recipe = services.recipe_publish(author=dev, job_id=job.id, title="Stats")

    model = tokens.CountingModel.of(base_model)
    count = tokens.example_counter(model)
    lengths = sorted(count(row, "chat")[1] for row in rows)
    stats = recipe.statistics
    assert stats["examples"] == 12 == file.example_count
    assert stats["tokens"] == tokens.file_tokens(file, model).tokens == job.tokens_per_epoch
    assert stats["lengths"]["min"] == lengths[0]
    assert stats["lengths"]["max"] == lengths[-1] == tokens.file_tokens(file, model).longest_example_tokens
    assert sum(bucket["count"] for bucket in stats["histogram"]) == 12
    assert stats["histogram"][0]["low"] == lengths[0] and stats["histogram"][-1]["high"] >= lengths[-1]
    for bucket in stats["histogram"]:
        assert bucket["count"] == sum(1 for n in lengths if bucket["low"] <= n <= bucket["high"])


def test_the_data_never_appears_on_the_page_unless_a_sample_is_attached(client, dev, succeeded_job):
    recipe = services.recipe_publish(
        author=dev, job_id=succeeded_job.id, title="Private data", notes="Trained on *support chats*."
    )
    page = client.get(recipe.get_absolute_url()).content.decode()
    assert "Private data" in page and "<em>support chats</em>" in page
    assert 'id="loss-curve"' in page and 'class="loss-train"' in page and "chart.umd" not in page
    assert f'id="stat-examples">{recipe.statistics["examples"]}<' in page
    assert not any(word in page for word in SECRET_WORDS)
    assert 'id="recipe-sample"' not in page

    Recipe.objects.all().delete()
    client.force_login(dev)
    client.post(publish_url(succeeded_job), {"title": "With a sample", "sample": SAMPLE})
    recipe = Recipe.objects.get()
    assert recipe.sample == [json.loads(SAMPLE)]
    page = client.get(recipe.get_absolute_url()).content.decode()
    assert 'id="recipe-sample"' in page and "Hello, sailor" in page
    assert not any(word in page for word in SECRET_WORDS)


@pytest.mark.parametrize(
    "sample, problem",
    [
        ('{"prompt": "a", "completion": "b"}', "chat format"),
        ("{not json", "invalid JSON"),
        ('{"messages": [{"role": "user", "content": "no reply"}]}', "assistant"),
        ("\n".join([SAMPLE] * 6), "at most 5"),
    ],
)
def test_a_sample_must_be_a_few_chat_examples(client, dev, succeeded_job, sample, problem):
    client.force_login(dev)
    response = client.post(publish_url(succeeded_job), {"title": "Bad sample", "sample": sample})
    assert response.status_code == 200
    assert problem in response.content.decode()
    assert not Recipe.objects.exists()


def test_list_sorts_and_filters_and_the_profile_shows_recipes(client, dev, other_dev, succeeded_job):
    first = services.recipe_publish(author=dev, job_id=succeeded_job.id, title="First recipe")
    other_file = upload(other_dev, secret_rows())
    other_job, _ = finetuning.finetune_job_create(owner=other_dev, model="tiny-gpt", training_file=other_file.id)
    second = services.recipe_publish(author=other_dev, job_id=succeed(other_job).id, title="Second recipe")
    Recipe.objects.filter(pk=first.pk).update(fork_count=3)

    def titles(**query):
        page = client.get(reverse("recipes:list"), query).content.decode()
        return [t for t in ("First recipe", "Second recipe") if t in page], page.find("First"), page.find("Second")

    _shown, first_at, second_at = titles()
    assert second_at < first_at  # newest first
    _shown, first_at, second_at = titles(sort="forks")
    assert first_at < second_at  # most forked first
    assert titles(model="other-model")[0] == []
    assert titles(model="tiny-gpt")[0] == ["First recipe", "Second recipe"]
    assert client.get(reverse("recipes:list"), {"sort": "nonsense", "page": "x"}).status_code == 200

    [mine] = selectors.recipes_by(user_id=dev.pk)
    assert mine == {
        "id": first.pk,
        "title": "First recipe",
        "base_model": "tiny-gpt",
        "published_at": first.published_at,
        "fork_count": 3,
        "forks_succeeded": 0,
        "url": first.get_absolute_url(),
    }
    profile = client.get(reverse("accounts:profile", kwargs={"handle": dev.profile.handle})).content.decode()
    assert 'id="profile-recipes"' in profile and first.get_absolute_url() in profile
    assert second.get_absolute_url() not in profile
    assert client.get(reverse("recipes:detail", kwargs={"recipe_id": 99999})).status_code == 404
