"""What a signed-in page costs: the user comes with its profile, from the cache after the
first page (portal/accounts/backends.py), and any change to either applies at once."""

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


def _user_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if 'FROM "accounts_user"' in q["sql"]]


def _sign_in(client, user, password) -> None:
    assert client.post(reverse("account_login"), {"login": user.email, "password": password}).status_code == 302


def test_later_pages_load_the_signed_in_user_from_the_cache(client, user, password):
    _sign_in(client, user, password)
    client.get(reverse("forums:index"))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("forums:index"))
    assert user.profile.name in page.content.decode()
    assert _user_queries(ctx) == []


def test_a_renamed_profile_shows_on_the_next_page(client, user, password):
    _sign_in(client, user, password)
    client.get(reverse("forums:index"))
    user.profile.display_name = "Renamed Member"
    user.profile.save()
    assert "Renamed Member" in client.get(reverse("forums:index")).content.decode()


def test_a_deactivated_account_is_signed_out_on_the_next_request(client, user, password):
    _sign_in(client, user, password)
    assert client.get(reverse("accounts:profile_edit")).status_code == 200
    user.is_active = False
    user.save()
    assert client.get(reverse("accounts:profile_edit")).status_code == 302


def test_a_changed_password_ends_other_sessions_on_the_next_request(client, user, password):
    _sign_in(client, user, password)
    assert client.get(reverse("accounts:profile_edit")).status_code == 200
    user.set_password("another-long-passphrase")
    user.save()
    assert client.get(reverse("accounts:profile_edit")).status_code == 302


def test_a_deleted_account_is_signed_out_on_the_next_request(client, user, password):
    _sign_in(client, user, password)
    assert client.get(reverse("accounts:profile_edit")).status_code == 200
    type(user).objects.filter(pk=user.pk).delete()
    assert client.get(reverse("accounts:profile_edit")).status_code == 302


def test_a_change_that_lands_while_a_page_loads_the_user_is_not_cached_over(user, monkeypatch):
    """A page reads the user from the database; before it caches what it read, a
    deactivation is saved. The next page must see the deactivation, not the copy."""
    from django.core.cache import cache

    from portal.accounts.backends import USER_KEY, CachedPermissionsBackend

    real_set, raced = cache.set, []

    def set_after_a_concurrent_save(key, value, *args, **kwargs):
        if key == USER_KEY.format(user.pk) and not raced:
            raced.append(key)
            concurrent = type(user).objects.get(pk=user.pk)
            concurrent.is_active = False
            concurrent.save()
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", set_after_a_concurrent_save)
    backend = CachedPermissionsBackend()
    assert backend.get_user(user.pk) is not None  # the page that raced read the active account
    assert raced
    assert backend.get_user(user.pk) is None
