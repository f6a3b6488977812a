"""The event pages: the online link only for attendees, lists and filters, calendar,
drafts hidden, the summary, cover uploads checked by content."""

import io
from datetime import UTC, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from community.activity.services import activity_record
from community.events import services
from community.events.models import Event
from tests.factories import UserFactory
from tests.support.activity import deliver

from .conftest import make_event

LINK = "meet.example.com/lora-night"


def test_online_link_only_for_registered_attendees(client, event, user, other_user, manager):
    url = event.get_absolute_url()
    assert LINK not in client.get(url).content.decode()  # visitor
    client.force_login(other_user)
    assert LINK not in client.get(url).content.decode()  # member, not registered
    assert LINK not in client.get(reverse("events:ics", kwargs={"slug": event.slug})).content.decode()
    client.force_login(user)
    client.post(reverse("events:rsvp", kwargs={"slug": event.slug}))
    assert LINK in client.get(url).content.decode()
    assert LINK in client.get(reverse("events:ics", kwargs={"slug": event.slug})).content.decode()
    client.post(reverse("events:rsvp_cancel", kwargs={"slug": event.slug}))
    assert LINK not in client.get(url).content.decode()
    # Waitlisted members do not see it either.
    full = make_event(manager, publish_as=manager, capacity=1, title="Full")
    services.rsvp_register(user=UserFactory(), event=full)
    client.post(reverse("events:rsvp", kwargs={"slug": full.slug}))
    html = client.get(full.get_absolute_url()).content.decode()
    assert "on the waitlist" in html and LINK not in html
    client.force_login(manager)
    assert LINK in client.get(url).content.decode()


def test_lists_filter_by_time_kind_and_place(client, manager):
    make_event(manager, publish_as=manager, title="Online meetup")
    make_event(manager, publish_as=manager, title="Berlin workshop", kind="workshop", online_url="", venue="Berlin")
    make_event(manager, publish_as=manager, title="Old webinar", kind="webinar", starts_in=-timedelta(days=3))
    make_event(manager, title="Secret draft")
    index = reverse("events:index")

    def titles(**params):
        html = client.get(index, params).content.decode()
        return {t for t in ("Online meetup", "Berlin workshop", "Old webinar", "Secret draft") if t in html}

    assert titles() == {"Online meetup", "Berlin workshop"}
    assert titles(when="past") == {"Old webinar"}
    assert titles(kind="workshop") == {"Berlin workshop"}
    assert titles(mode="online") == {"Online meetup"}
    assert titles(mode="in_person") == {"Berlin workshop"}
    assert titles(kind="nonsense", mode="nonsense") == {"Online meetup", "Berlin workshop"}


def test_calendar_shows_the_month(client, event):
    local = event.starts_at.astimezone(UTC)
    response = client.get(reverse("events:calendar_month", kwargs={"year": local.year, "month": local.month}))
    assert response.status_code == 200 and event.title in response.content.decode()
    assert client.get(reverse("events:calendar_month", kwargs={"year": 2026, "month": 13})).status_code == 404
    assert client.get(reverse("events:calendar")).status_code == 200


def test_drafts_only_for_organiser_and_managers(client, manager, user):
    services.event_proposer_set(user=user, allowed=True)
    draft = make_event(user, title="My proposal")
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(UserFactory())
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(user)
    assert client.get(draft.get_absolute_url()).status_code == 200
    client.post(reverse("events:publish", kwargs={"slug": draft.slug}))
    assert Event.objects.get(pk=draft.pk).status == "in_review"
    client.force_login(manager)
    assert "My proposal" in client.get(reverse("events:manage")).content.decode()
    client.post(reverse("events:publish", kwargs={"slug": draft.slug}))
    assert Event.objects.get(pk=draft.pk).status == "published"


def test_members_without_permission_cannot_create(client, user):
    client.force_login(user)
    assert client.get(reverse("events:create")).status_code == 403
    services.event_proposer_set(user=user, allowed=True)
    assert client.get(reverse("events:create")).status_code == 200


def _png(size=(40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "navy").save(out, format="PNG")
    return out.getvalue()


def test_cover_upload_checked_by_content(client, manager):
    client.force_login(manager)
    base = {
        "title": "With cover",
        "kind": "meetup",
        "timezone": "UTC",
        "starts_at": "2031-03-05T19:00",
        "ends_at": "2031-03-05T21:00",
        "venue": "Here",
    }
    fake = SimpleUploadedFile("cover.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post(reverse("events:create"), {**base, "cover": fake})
    assert response.status_code == 400 and "not a PNG, JPEG or WebP image" in response.content.decode()
    good = SimpleUploadedFile("anything.gif", _png(), content_type="image/gif")
    assert client.post(reverse("events:create"), {**base, "cover": good}).status_code == 302
    event = Event.objects.get(title="With cover")
    assert event.cover.name.endswith(".png") and "anything" not in event.cover.name


def test_bad_form_input_is_a_form_error(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("events:create"),
        {
            "title": "x",
            "kind": "party",
            "timezone": "Mars/Base",
            "starts_at": "soon",
            "ends_at": "",
            "agenda": "25:99 | a | b",
        },
    )
    assert response.status_code == 400
    assert not Event.objects.exists()


@pytest.mark.parametrize("verb", ["forum.thread.posted"])
def test_summary_counts_attendance_ratings_and_what_attendees_did_after(client, manager, verb):
    event = make_event(manager, publish_as=manager, starts_in=-timedelta(hours=1), hours=2)
    members = [UserFactory() for _ in range(3)]
    for member in members:
        services.rsvp_register(user=member, event=event)
    services.checkin_with_code(user=members[0], event=event, code=event.checkin_code)
    services.checkin_with_code(user=members[1], event=event, code=event.checkin_code)
    services.feedback_give(user=members[0], event=event, rating=5, comment="Loved it")
    services.feedback_give(user=members[1], event=event, rating=3)
    activity_record(actor=members[0], verb="api.first_call", properties={"key": 1, "model": "m"})
    activity_record(actor=members[0], verb=verb, properties={})
    activity_record(actor=members[0], verb=verb, properties={})
    activity_record(actor=members[2], verb="api.first_call", properties={"key": 1, "model": "m"})  # no-show
    deliver()
    client.force_login(manager)
    response = client.get(reverse("events:summary", kwargs={"slug": event.slug}))
    summary = response.context["summary"]
    assert (summary["registered"], summary["attended"], summary["no_shows"]) == (3, 2, None)
    assert summary["rating_average"] == 4 and summary["rating_count"] == 2
    assert [f.comment for f in summary["comments"]] == ["Loved it"]
    assert summary["after"] == {"api_first_call": 1, "finetune_job": 0, "forum_posters": 1, "forum_posts": 2}
    assert "Loved it" in response.content.decode()


def test_selectors_for_other_apps(manager, user):
    from community.events import selectors

    event = make_event(manager, publish_as=manager, starts_in=-timedelta(minutes=5))
    services.rsvp_register(user=user, event=event)
    services.checkin_with_code(user=user, event=event, code=event.checkin_code)
    assert selectors.attendance_counts(event_ids=[event.pk]) == {event.pk: (1, 1)}
    assert selectors.attended_event_ids(user_id=user.pk) == {event.pk}
    hosted = selectors.events_hosted_by(
        user_id=manager.pk, start=timezone.now() - timedelta(days=1), end=timezone.now() + timedelta(days=1)
    )
    assert [(h["id"], h["registered"], h["attended"], h["url"]) for h in hosted] == [
        (event.pk, 1, 1, event.get_absolute_url())
    ]
    assert selectors.event_get(event_id=event.pk) == event
    assert selectors.event_get_published(slug=event.slug) == event


def test_event_sections_are_included_for_their_kind(client, manager, settings):
    from community.events import sections

    registered = sections.EventSection(template="events/_when.html", kinds={"hackathon"}, order=1)
    sections.register(registered)
    try:
        assert sections.event_section_templates("hackathon") == [
            t for t in sections.event_section_templates("hackathon") if t
        ] and "events/_when.html" in sections.event_section_templates("hackathon")
        assert "events/_when.html" not in sections.event_section_templates("meetup")
    finally:
        sections.EVENT_SECTIONS.remove(registered)
