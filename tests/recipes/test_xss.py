"""Hostile text in everything an author writes on a recipe (title, notes, results, the
public sample) runs nothing on the recipe's page, the list or the author's profile: the
payloads of the site's XSS corpus, scanned as tests/security does."""

from pathlib import Path

import pytest
from django.urls import reverse

from community.recipes.models import Recipe
from tests.factories import UserFactory
from tests.security.test_xss_corpus import scan

PAYLOADS = [
    line.replace("\\n", "\n")
    for line in (Path(__file__).parents[1] / "security" / "xss_payloads.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]


@pytest.mark.django_db
def test_no_payload_runs_on_recipe_pages(client):
    author = UserFactory(email="xss-chef@example.org")
    sample = [{"messages": [{"role": "user", "content": p}, {"role": "assistant", "content": p}]} for p in PAYLOADS]
    recipes = Recipe.objects.bulk_create(
        Recipe(
            author=author,
            job_id=f"ftjob-{index}",
            title=payload[:120],
            base_model="tiny-gpt",
            notes="\n\n".join(PAYLOADS) if index == 0 else "",
            results="\n\n".join(PAYLOADS) if index == 0 else "",
            sample=sample if index == 0 else [],
            hyperparameters={"n_epochs": 2},
            loss_curve={"train": [{"x": 1, "y": 2.0}, {"x": 2, "y": 1.0}]},
            statistics={"examples": 2, "tokens": 20, "histogram": [{"low": 1, "high": 9, "count": 2}]},
        )
        for index, payload in enumerate(PAYLOADS)
    )
    assert len(PAYLOADS) > 100
    pages = [reverse("recipes:detail", kwargs={"recipe_id": recipes[0].pk})]
    pages += [f"{reverse('recipes:list')}?page={n}" for n in range(1, len(PAYLOADS) // 20 + 2)]
    pages.append(reverse("accounts:profile", kwargs={"handle": author.profile.handle}))
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert scan(response.content.decode()) == [], path
