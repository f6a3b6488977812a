"""What the admin calls things: each app's section named once, model names in plain English."""

import pytest
from django.urls import reverse

from tests.admin.test_admin_coverage import MODELS, superuser  # noqa: F401


def test_the_admin_index_names_each_app_once(client, superuser):  # noqa: F811
    """Two apps called "Accounts" (ours and allauth's) read as one section twice."""
    client.force_login(superuser)
    app_list = client.get(reverse("admin:index")).context["app_list"]
    names = [app["name"].casefold() for app in app_list]
    assert len(names) == len(set(names)), names


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_model_names_are_plural_in_english(model):
    """No "Watchs": a name ending in s, x, z, ch or sh takes "es"."""
    singular, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
    if singular.endswith(("s", "x", "z", "ch", "sh")):
        assert plural != singular + "s", (singular, plural)
