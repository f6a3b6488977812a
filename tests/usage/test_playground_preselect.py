import re

import pytest
from django.urls import reverse

from sandbox.registry.models import HostedModel


def selected_models(html: str) -> list[str]:
    """The model ids whose <option> in the Playground's model picker is selected."""
    picker = re.search(r'<select[^>]*id="pg-model".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]+)"[^>]*\sselected>', picker)


@pytest.mark.django_db
def test_playground_preselects_the_model_named_in_the_link(client, user):
    """ "Try it in the Playground" links pass ?model=; that model is the one selected."""
    for model_id in ("echo", "atrium-gpt-mini"):
        HostedModel.objects.create(model_id=model_id, backend=HostedModel.Backend.ECHO)
    client.force_login(user)
    html = client.get(reverse("playground:page"), {"model": "atrium-gpt-mini"}).content.decode()
    assert selected_models(html) == ["atrium-gpt-mini"]
    assert 'nav-link active" href="/playground/"' in html


@pytest.mark.django_db
def test_without_a_link_the_playground_selects_the_default_chat_model(client, user, settings):
    """The default chat model is selected, not the first id in alphabetical order (echo)."""
    for model_id in ("echo", "smollm2-135m-instruct"):
        HostedModel.objects.create(model_id=model_id, backend=HostedModel.Backend.ECHO)
    settings.DEFAULT_CHAT_MODEL = "smollm2-135m-instruct"
    client.force_login(user)
    html = client.get(reverse("playground:page")).content.decode()
    assert selected_models(html) == ["smollm2-135m-instruct"]
