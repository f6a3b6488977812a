"""Managers switch badges off and on in the admin; awards and counters are read-only there."""

import pytest
from django.contrib import admin
from django.urls import reverse

from community.badges.models import Badge, BadgeAward, MemberTally
from community.badges.services import badge_rows

pytestmark = pytest.mark.django_db


def test_a_manager_switches_a_badge_off(client, manager):
    badge = badge_rows()["supporter"]
    client.force_login(manager)
    page = client.get(reverse("admin:badges_badge_changelist")).content.decode()
    assert "Supporter" in page and "First Key" in page
    response = client.post(reverse("admin:badges_badge_change", args=[badge.pk]), {})  # "awarded" unticked
    assert response.status_code == 302
    assert Badge.objects.get(pk=badge.pk).enabled is False
    assert client.get(reverse("admin:badges_badge_add")).status_code == 403  # badges are defined in code


def test_awards_and_tallies_are_not_edited_in_the_admin(rf, manager, user):
    award = BadgeAward.objects.create(user=user, badge=badge_rows()["first-key"])
    MemberTally.objects.create(user=user, keys_created=1)
    request = rf.get("/")
    request.user = manager
    for model, obj in ((BadgeAward, award), (MemberTally, MemberTally.objects.get(user=user))):
        model_admin = admin.site._registry[model]
        assert model_admin.has_view_permission(request, obj)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, obj)
        assert not model_admin.has_delete_permission(request, obj)
