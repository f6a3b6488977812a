"""Roles are groups kept in sync with the installed apps' permissions."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from portal.accounts.roles import Role, sync_roles
from portal.accounts.services import user_set_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def codenames(role):
    return set(Group.objects.get(name=role.value).permissions.values_list("content_type__app_label", "codename"))


def test_migrate_creates_the_four_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_role_permissions_follow_the_installed_apps():
    developer, moderator, manager, admin = (codenames(r) for r in Role)
    assert developer == set()
    assert ("forums", "moderate_post") in moderator
    assert ("forums", "lock_thread") in moderator
    assert all(app == "forums" for app, _codename in moderator)
    assert not any(codename.startswith(("add_", "delete_")) for _app, codename in moderator)

    assert ("accounts", "view_user") in manager
    assert ("accounts", "change_user") not in manager
    assert ("accounts", "delete_user") not in manager
    assert ("forums", "change_thread") in manager
    assert ("registry", "change_hostedmodel") in manager or not Permission.objects.filter(
        content_type__app_label="registry", codename__startswith="change_"
    ).exists()
    assert moderator <= manager
    assert admin == set(Permission.objects.values_list("content_type__app_label", "codename"))


def test_sync_roles_picks_up_permissions_added_later():
    """A permission created after the groups (a new app's) joins them on the next sync."""
    from django.contrib.contenttypes.models import ContentType

    forum_type = ContentType.objects.get(app_label="forums", model="post")
    Permission.objects.create(content_type=forum_type, codename="feature_post", name="Can feature posts")
    sync_roles()
    assert ("forums", "feature_post") in codenames(Role.MODERATOR)
    assert ("forums", "feature_post") in codenames(Role.ADMIN)
    assert ("forums", "feature_post") not in codenames(Role.DEVELOPER)


@pytest.mark.parametrize(
    ("role", "is_staff"),
    [(Role.DEVELOPER, False), (Role.MODERATOR, False), (Role.COMMUNITY_MANAGER, True), (Role.ADMIN, True)],
)
def test_user_set_role_sets_one_role_and_the_staff_flag(user, role, is_staff):
    user_set_role(user=user, role=Role.ADMIN)
    user_set_role(user=user, role=role)
    user.refresh_from_db()
    assert user.is_staff is is_staff
    assert [g.name for g in user.groups.all()] == [role.value]
    assert user.role == role


def test_demoting_a_superuser_clears_superuser(user):
    user.is_superuser = True
    user.save()
    user_set_role(user=user, role=Role.DEVELOPER)
    user.refresh_from_db()
    assert not user.is_superuser and not user.is_staff


def test_moderators_hold_forum_moderation_rights(user):
    user_set_role(user=user, role=Role.MODERATOR)
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    assert user.has_perm("forums.moderate_post")
    assert not user.has_perm("accounts.view_user")


def role_client(client, email, role):
    user = user_set_role(user=UserFactory(email=email), role=role)
    client.force_login(user)
    return user


def test_a_developer_cannot_open_the_admin(client):
    role_client(client, "dev@example.com", Role.DEVELOPER)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_moderator_cannot_open_the_admin(client):
    role_client(client, "mod@example.com", Role.MODERATOR)
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_community_manager_views_users_but_cannot_change_or_delete_them(client, other_user):
    role_client(client, "cm@example.com", Role.COMMUNITY_MANAGER)
    assert client.get(reverse("admin:index")).status_code == 200

    listing = client.get(reverse("admin:accounts_user_changelist"), {"q": "grace"})
    assert listing.status_code == 200
    assert other_user.email.encode() in listing.content

    detail = client.get(reverse("admin:accounts_user_change", args=[other_user.pk]))
    assert detail.status_code == 200  # read-only view
    assert b'name="_save"' not in detail.content

    delete = client.post(reverse("admin:accounts_user_delete", args=[other_user.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert type(other_user).objects.filter(pk=other_user.pk).exists()

    change = client.post(
        reverse("admin:accounts_user_change", args=[other_user.pk]), {"email": "x@example.com", "is_active": "on"}
    )
    assert change.status_code == 403


def test_a_community_manager_opens_community_docs_and_registry_admin_pages_but_adds_nothing(client):
    role_client(client, "cm@example.com", Role.COMMUNITY_MANAGER)
    from django.contrib import admin

    managed = [
        model._meta
        for model in admin.site._registry
        if model._meta.app_label in {"forums", "notifications", "docs", "registry"}
    ]
    assert managed, "the docs and registry apps register admin pages"
    for opts in managed:
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        assert client.get(add).status_code == 403, add


def test_an_admin_can_delete_users(client, other_user):
    role_client(client, "boss@example.com", Role.ADMIN)
    response = client.post(reverse("admin:accounts_user_delete", args=[other_user.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not type(other_user).objects.filter(pk=other_user.pk).exists()


def test_user_admin_filters_search_and_role_column_without_n_plus_one(client, django_assert_max_num_queries):
    role_client(client, "boss@example.com", Role.ADMIN)
    for n in range(15):
        UserFactory(email=f"member{n}@example.com")
    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:accounts_user_changelist"), {"is_active__exact": "1", "q": "member"})
    assert response.status_code == 200
    assert b"member14@example.com" in response.content
    assert b"By groups" in response.content  # the role filter


def test_admin_action_sets_roles_through_the_service(client, other_user):
    role_client(client, "boss@example.com", Role.ADMIN)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "make_community_manager", "_selected_action": [other_user.pk]},
    )
    assert response.status_code == 302
    other_user.refresh_from_db()
    assert other_user.is_staff
    assert other_user.role == Role.COMMUNITY_MANAGER


def test_demo_accounts_get_their_roles():
    from io import StringIO

    from portal.accounts.demo import seed
    from portal.accounts.models import User

    seed(stdout=StringIO())
    seed(stdout=StringIO())  # idempotent
    manager = User.objects.get(email="manager@atrium.local")
    assert manager.role == Role.COMMUNITY_MANAGER and manager.is_staff
    developer = User.objects.get(email="dev@atrium.local")
    assert developer.role == Role.DEVELOPER and not developer.is_staff
