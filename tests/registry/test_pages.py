"""The model catalogue pages and the admin for managers."""

import re
from urllib.parse import quote

import pytest
from django.conf import settings
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
    assert "<strong>small</strong>" in html
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


def _h1_count(html: str) -> int:
    return len(re.findall(r"<h1[\s>]", html))


def test_the_model_page_has_one_title(client, models):
    """The card's own `# Qwen` heading is dropped: the page's title is the model's, once."""
    html = client.get(models[0].get_absolute_url()).content.decode()
    assert _h1_count(html) == 1
    assert "<h1>Qwen</h1>" not in html


def test_the_card_is_styled_like_the_docs(client, models):
    """The card's code uses the docs' Pygments styles and its tables the card's own CSS."""
    html = client.get(models[0].get_absolute_url()).content.decode()
    for stylesheet in ("css/pygments.css", "docs/docs.css", "registry/registry.css"):
        assert stylesheet in html
    assert '<span class="nb">print</span>' in html  # highlighted by Pygments
    css = (settings.BASE_DIR / "static/registry/registry.css").read_text()
    assert ".model-card table" in css and ".model-card th" in css


def test_a_chat_model_page_shows_how_to_call_it_and_opens_the_playground(client, models):
    """curl, Python and JavaScript for /v1/chat/completions with the model's own id, and a
    Playground link that chooses the model."""
    model = models[0]
    html = client.get(model.get_absolute_url()).content.decode()
    samples = html[html.index('class="docs-content model-samples"') : html.index('id="model-card-title"')]
    assert "POST /v1/chat/completions" in html
    assert samples.count("/v1/chat/completions") == 2  # curl and JavaScript; Python names the method:
    assert 'client</span><span class="o">.</span><span class="n">chat</span>' in samples
    assert samples.count("Qwen/Qwen2.5-0.5B-Instruct") == 3
    for label in ("curl", "Python (openai)", "JavaScript"):
        assert f">{label}</label>" in samples
    assert "docs/docs.js" in html  # the docs' Copy buttons and shared tab choice
    link = reverse("playground:page") + "?model=" + quote(model.model_id)
    assert f'href="{link}"' in html


def test_an_embeddings_model_page_shows_the_embeddings_call_and_no_playground(client, db):
    model = HostedModel.objects.create(
        model_id="all-minilm-l6-v2", task=HostedModel.Task.EMBEDDINGS, context_length=256, max_output_tokens=0
    )
    html = client.get(model.get_absolute_url()).content.decode()
    assert "POST /v1/embeddings" in html and html.count("/v1/embeddings") == 3  # the line, curl, JavaScript
    assert "chat/completions" not in html and "Open in Playground" not in html


def test_built_in_model_cards_have_no_code_that_cannot_run_as_shown():
    """The cards Atrium writes for its own models carry no snippet with undefined names
    (`from_pretrained(path)`): the page's API example shows how to call the model."""
    from sandbox.inference.defaults import build_lm, smollm2

    for card in (build_lm.MODEL_CARD, smollm2.MODEL_CARD):
        assert "```python" not in card and "from_pretrained(path)" not in card
        assert "| | |" not in card  # tables have header cells
