"""What a signed-in page costs: the user comes with its profile (portal/accounts/backends.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_loads_the_profile_with_the_user(client, user, password):
    """Sessions from a sign-in load the user and the profile the nav shows in one query."""
    assert client.post(reverse("account_login"), {"login": user.email, "password": password}).status_code == 302
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("forums:index"))
    assert user.profile.name in page.content.decode()
    profile_queries = [q["sql"] for q in ctx.captured_queries if 'FROM "accounts_profile"' in q["sql"]]
    assert profile_queries == []
    assert any('JOIN "accounts_profile"' in q["sql"] for q in ctx.captured_queries)
