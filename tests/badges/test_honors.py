"""Honors are awarded by managers only, always with a citation, once per form, with a
nomination list from the ledger; the member is told once (notification and email)."""

import uuid

import pytest
from django.core import mail
from django.urls import reverse

from community.activity.models import ActivityEvent
from community.badges.models import Honor, HonorKind, MemberTally
from community.notifications.models import Notification
from community.rewards.services import points_award
from tests.factories import UserFactory

from .conftest import deliver

pytestmark = pytest.mark.django_db

URL = "/rewards/honors/award/"


@pytest.fixture
def kind(db):
    return HonorKind.objects.get(slug="contributor-of-the-month")


def _form(member, kind, citation="Answered every streaming question this month.", key=None):
    return {
        "member": f"@{member.profile.handle}",
        "kind": kind.pk,
        "citation": citation,
        "key": str(key or uuid.uuid4()),
    }


def test_the_url_names(db):
    assert reverse("badges:honor_award") == URL and reverse("badges:honors") == "/rewards/honors/"


def test_a_manager_honors_a_member_who_is_told_once(client, manager, answerer, kind, eager_tasks):
    mail.outbox.clear()
    client.force_login(manager)
    form = _form(answerer, kind)
    response = client.post(URL, form)
    assert response.status_code == 302 and response["Location"] == "/rewards/honors/"
    # The same form again (a double click, a reload): one honor.
    assert client.post(URL, form).status_code == 302
    [honor] = Honor.objects.all()
    assert (honor.user, honor.kind, honor.awarded_by) == (answerer, kind, manager)
    assert honor.citation == "Answered every streaming question this month."
    deliver(times=2)
    [notification] = Notification.objects.filter(recipient=answerer, kind="honor")
    assert "Contributor of the Month" in notification.title and "streaming question" in notification.title
    assert notification.url == f"/rewards/honors/#honor-{honor.pk}" and notification.emailed_at is not None
    assert len([m for m in mail.outbox if m.to == [answerer.email]]) == 1
    [event] = ActivityEvent.objects.filter(verb="rewards.honor.awarded")
    assert event.actor == answerer and event.properties == {"honor": kind.slug, "awarded_by": manager.pk}
    html = client.get("/rewards/honors/").content.decode()
    assert f'id="honor-{honor.pk}"' in html and "Answered every streaming question this month." in html


def test_a_citation_is_required(client, manager, answerer, kind):
    client.force_login(manager)
    response = client.post(URL, _form(answerer, kind, citation="   "))
    assert response.status_code == 400
    assert "Say why the member is honored" in response.content.decode()
    assert not Honor.objects.exists()


def test_unknown_members_and_self_honors_are_refused(client, manager, kind):
    client.force_login(manager)
    response = client.post(URL, {**_form(manager, kind), "member": "@nobody-here"})
    assert response.status_code == 400 and "No active member has the handle @nobody-here" in response.content.decode()
    response = client.post(URL, _form(manager, kind))
    assert response.status_code == 400 and "You cannot honor yourself" in response.content.decode()
    assert not Honor.objects.exists()


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_only_managers_award_honors(client, answerer, asker, moderator, kind, who):
    client.force_login(asker if who == "member" else moderator)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _form(answerer, kind)).status_code == 403
    assert not Honor.objects.exists()
    assert "Award an honor" not in client.get("/rewards/honors/").content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, answerer, kind):
    response = client.post(URL, _form(answerer, kind))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Honor.objects.exists()


def test_the_nomination_list_ranks_the_months_top_earners(
    client, manager, answerer, third, django_assert_max_num_queries
):
    points_award(user_id=answerer.pk, rule="account.email_verified", cause="verified")
    points_award(user_id=answerer.pk, rule="api.first_call", cause="first_call")
    points_award(user_id=third.pk, rule="account.email_verified", cause="verified")
    MemberTally.objects.create(user=answerer, accepted=7)
    client.force_login(manager)
    with django_assert_max_num_queries(15):
        response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    table = html.split('id="nominations"')[1].split("</table>")[0]
    assert table.index(answerer.profile.name) < table.index(third.profile.name)
    assert ">15<" in table and ">7<" in table  # 5 + 10 points, 7 accepted answers
    assert f"?member={answerer.profile.handle}" in table
    # Nominate fills the form's member.
    html = client.get(URL, {"member": answerer.profile.handle}).content.decode()
    assert f'value="{answerer.profile.handle}"' in html


def test_nomination_queries_do_not_grow_with_nominees(client, manager, django_assert_max_num_queries):
    for i in range(20):
        member = UserFactory(email=f"earner{i}@example.org")
        points_award(user_id=member.pk, rule="account.email_verified", cause="verified")
    client.force_login(manager)
    with django_assert_max_num_queries(15):
        assert client.get(URL).status_code == 200


def test_managers_define_new_honor_kinds_in_the_admin(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("admin:badges_honorkind_add"),
        {"name": "Docs Hero", "slug": "docs-hero", "description": "Fixed the docs.", "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert HonorKind.objects.filter(slug="docs-hero").exists()
    assert "Docs Hero" in client.get(URL).content.decode()


def test_an_inactive_kind_cannot_be_awarded(client, manager, answerer, kind):
    kind.active = False
    kind.save()
    client.force_login(manager)
    assert client.post(URL, _form(answerer, kind)).status_code == 400
    assert not Honor.objects.exists()
