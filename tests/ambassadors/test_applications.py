"""Applying to the ambassador program, and managers (only) accepting or declining with a note."""

import pytest
from django.core import mail
from django.urls import reverse

from community.activity.models import ActivityEvent
from community.ambassadors.models import Ambassador, Application
from community.ambassadors.services import application_accept, application_decline, application_submit
from community.notifications.models import Notification
from tests.factories import UserFactory

from .conftest import MOTIVATION, deliver

pytestmark = pytest.mark.django_db

FORM = {"motivation": MOTIVATION, "region": "europe", "languages": "Portuguese, English", "links": ""}


def test_a_member_applies_once_and_sees_the_application_waiting(client, applicant):
    client.force_login(applicant)
    response = client.post(reverse("ambassadors:apply"), FORM)
    assert response.status_code == 302
    [application] = Application.objects.filter(user=applicant)
    assert application.status == "pending" and application.region == "europe"
    page = client.get(reverse("ambassadors:apply")).content.decode()
    assert "Waiting for review" in page and 'id="application-form"' not in page
    # A second application while one is open is refused with a clear error, not a 500.
    again = client.post(reverse("ambassadors:apply"), FORM)
    assert again.status_code == 200
    assert "waiting for review already" in again.content.decode()
    assert Application.objects.filter(user=applicant).count() == 1
    deliver()
    [activity] = ActivityEvent.objects.filter(verb="ambassador.applied")
    assert activity.actor_id == applicant.pk and activity.properties == {"region": "europe"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"motivation": "Too short."}, "motivation"),
        ({"region": "atlantis"}, "region"),
        ({"languages": ""}, "languages"),
        ({"links": "javascript:alert(1)"}, "links"),
        ({"links": "\n".join(f"https://example.org/{i}" for i in range(6))}, "links"),
    ],
)
def test_invalid_applications_are_refused_with_form_errors(client, applicant, change, field):
    client.force_login(applicant)
    response = client.post(reverse("ambassadors:apply"), {**FORM, **change})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Application.objects.exists()


def test_an_unverified_member_cannot_apply_and_a_visitor_must_sign_in(client):
    assert client.get(reverse("ambassadors:apply")).status_code == 302
    unverified = UserFactory(email="new@example.org", verified=False)
    client.force_login(unverified)
    response = client.post(reverse("ambassadors:apply"), FORM)
    assert response.status_code == 200 and "Verify your email address" in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "name", ["ambassadors:review_list", "ambassadors:manage", "ambassadors:review", "ambassadors:quarter"]
)
def test_manager_pages_refuse_members_and_staff_without_the_permission(client, application, name):
    kwargs = {"application_id": application.pk} if name == "ambassadors:review" else {}
    if name == "ambassadors:quarter":
        kwargs = {"user_id": application.user_id}
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 302  # signed out: to the login page
    client.force_login(application.user)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(email="staff@example.org", is_staff=True))  # staff, no permission
    assert client.get(url).status_code == 403


def test_members_cannot_accept_or_revoke(client, application, applicant):
    client.force_login(UserFactory(email="someone@example.org"))
    url = reverse("ambassadors:review", kwargs={"application_id": application.pk})
    assert client.post(url, {"decision": "accept", "note": ""}).status_code == 403
    revoke = reverse("ambassadors:revoke", kwargs={"user_id": applicant.pk})
    assert client.post(revoke).status_code == 403
    application.refresh_from_db()
    assert application.status == "pending" and not Ambassador.objects.exists()


def test_a_manager_accepts_with_a_note_mailed_and_notified(client, manager, application, applicant, eager_tasks):
    client.force_login(manager)
    page = client.get(reverse("ambassadors:review_list")).content.decode()
    assert f'data-application="{application.pk}"' in page
    url = reverse("ambassadors:review", kwargs={"application_id": application.pk})
    response = client.post(url, {"decision": "accept", "note": "Welcome, Ana!"})
    assert response.status_code == 302
    deliver()
    application.refresh_from_db()
    assert application.status == "accepted" and application.reviewed_by == manager
    assert application.review_note == "Welcome, Ana!"
    [message] = [m for m in mail.outbox if m.to == [applicant.email]]
    assert "ambassador" in message.subject and "Welcome, Ana!" in message.body
    assert "/ambassadors/r/" in message.body
    [notice] = Notification.objects.filter(recipient=applicant, kind="event")
    assert "ambassador" in notice.title
    [accepted] = ActivityEvent.objects.filter(verb="ambassador.accepted")
    assert accepted.actor_id == applicant.pk
    assert accepted.properties == {"region": "europe", "reviewed_by": manager.pk}
    # Reviewed once: a second decision is refused.
    again = client.post(url, {"decision": "decline", "note": "No"})
    assert again.status_code == 200 and "reviewed already" in again.content.decode()


def test_declining_needs_a_note_which_is_mailed(client, manager, application, applicant, eager_tasks):
    client.force_login(manager)
    url = reverse("ambassadors:review", kwargs={"application_id": application.pk})
    response = client.post(url, {"decision": "decline", "note": ""})
    assert response.status_code == 200 and "note" in response.context["form"].errors
    assert Application.objects.get(pk=application.pk).status == "pending"
    client.post(url, {"decision": "decline", "note": "Host one meetup first, then apply again."})
    deliver()
    assert Application.objects.get(pk=application.pk).status == "declined"
    [message] = [m for m in mail.outbox if m.to == [applicant.email]]
    assert "Host one meetup first" in message.body
    assert ActivityEvent.objects.filter(verb="ambassador.declined", actor_id=applicant.pk).count() == 1
    assert not Ambassador.objects.exists()
    # Declined, the member may apply again.
    application_submit(user=applicant, motivation=MOTIVATION, region="europe", languages="English")
    assert Application.objects.filter(user=applicant, status="pending").count() == 1


def test_services_refuse_non_managers(applicant, application):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        application_accept(manager=applicant, application_id=application.pk)
    with pytest.raises(PermissionDenied):
        application_decline(manager=applicant, application_id=application.pk, note="no")
