"""The model catalogue pages and the admin for managers."""

import pytest
from django.urls import reverse

from sandbox.registry.models import HostedModel
from tests.factories import UserFactory


@pytest.fixture
def models(db, user, other_user):
    public = HostedModel.objects.create(
        model_id="Qwen/Qwen2.5-0.5B-Instruct",
        source="Qwen/Qwen2.5-0.5B-Instruct",
        context_length=32768,
        card="---\nlicense: apache-2.0\n---\n# Qwen\n\nA **small** model.\n\n```python\nprint('hi')\n```\n"
        "<script>alert('x')</script>\n<img src=x onerror=alert(1)>",
    )
    mine = HostedModel.objects.create(model_id="ft:qwen:ada", owner=user, base_model=public, adapter_path="a")
    theirs = HostedModel.objects.create(model_id="ft:qwen:grace", owner=other_user, base_model=public, adapter_path="b")
    HostedModel.objects.create(model_id="retired", status=HostedModel.Status.DISABLED)
    return public, mine, theirs


def test_list_shows_public_and_own_models(client, user, models, django_assert_max_num_queries):
    """Someone else's fine-tuned model and disabled models are not listed."""
    client.force_login(user)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("registry:list")).content.decode()
    assert "Qwen/Qwen2.5-0.5B-Instruct" in page and "ft:qwen:ada" in page
    assert "ft:qwen:grace" not in page and "retired" not in page


def test_model_page_renders_the_card_safely(client, models):
    """The card is Markdown rendered to HTML (code highlighted), with scripts and handlers removed."""
    page = client.get(models[0].get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Qwen</h1>" in html and "<strong>small</strong>" in html
    assert 'class="highlight"' in html
    assert "license: apache-2.0" not in html
    assert "<script>alert" not in html and "onerror" not in html


def test_someone_elses_finetuned_model_is_404(client, user, models):
    client.force_login(user)
    assert client.get(models[2].get_absolute_url()).status_code == 404
    assert client.get(models[1].get_absolute_url()).status_code == 200


def test_managers_find_models_in_the_admin(client, models):
    manager = UserFactory(email="boss@example.com", is_staff=True, is_superuser=True)
    client.force_login(manager)
    url = reverse("admin:registry_hostedmodel_changelist")
    page = client.get(url, {"q": "qwen", "task__exact": "chat"})
    assert page.status_code == 200 and "ft:qwen:grace" in page.content.decode()
    assert client.get(reverse("admin:registry_hostedmodel_add")).status_code == 200


def test_registering_a_model_reads_nothing_at_save_time(db):
    """hosted_model_register validates and stores; weights load on the workers' first request."""
    from sandbox.registry.services import hosted_model_register

    model = hosted_model_register(model_id="gpt2", source="gpt2", context_length=1024, max_output_tokens=256)
    assert model.backend == HostedModel.Backend.CAUSAL_LM and model.display_name == "gpt2"
