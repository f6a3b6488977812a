"""Times in the .ics files carry the event's TZID; the page shows the event's zone and offset."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from icalendar import Calendar

from community.events import services

from .conftest import make_event


def _summer_event(manager, **fields):
    starts = datetime(2031, 7, 1, 16, 0, tzinfo=UTC)  # 18:00 in Berlin (CEST, UTC+2)
    return make_event(
        manager,
        publish_as=manager,
        starts_at=starts,
        **fields,
    )


def test_event_ics_has_tzid_and_the_right_instant(client, manager):
    event = _summer_event(manager)
    response = client.get(reverse("events:ics", kwargs={"slug": event.slug}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    [vevent] = cal.walk("VEVENT")
    start = vevent.decoded("dtstart")
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Berlin"
    assert start == event.starts_at
    assert (start.hour, start.minute) == (18, 0)
    assert vevent.decoded("dtend") == event.ends_at
    assert b"DTSTART;TZID=Europe/Berlin:20310701T180000" in response.content
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    # The online link is for registered attendees, not in an anonymous download.
    assert b"meet.example.com" not in response.content


def test_feed_lists_published_events_only(client, manager):
    published = _summer_event(manager, title="Published one")
    make_event(manager, title="A draft")
    shanghai = make_event(manager, publish_as=manager, title="Shanghai", timezone="Asia/Shanghai")
    response = client.get(reverse("events:feed"))
    cal = Calendar.from_ical(response.content)
    titles = {str(v["summary"]): v for v in cal.walk("VEVENT")}
    assert set(titles) == {"Published one", "Shanghai"}
    assert titles["Published one"].decoded("dtstart") == published.starts_at
    sh = titles["Shanghai"].decoded("dtstart")
    assert str(sh.tzinfo) == "Asia/Shanghai" and sh == shanghai.starts_at.replace(microsecond=0)
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {"Europe/Berlin", "Asia/Shanghai"}
    assert b"meet.example.com" not in response.content


def test_page_shows_the_event_zone_and_offset(client, manager):
    event = _summer_event(manager)
    html = client.get(event.get_absolute_url()).content.decode()
    assert "Tue 1 Jul 2031, 18:00–20:00" in html
    assert "Europe/Berlin (UTC+02:00)" in html
    winter = make_event(
        manager,
        publish_as=manager,
        title="Winter",
        timezone="America/New_York",
        starts_at=datetime(2031, 1, 10, 23, 30, tzinfo=UTC),
    )
    html = client.get(winter.get_absolute_url()).content.decode()
    assert "Fri 10 Jan 2031, 18:30–20:30" in html and "America/New_York (UTC-05:00)" in html


def test_form_reads_times_in_the_chosen_zone(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("events:create"),
        {
            "title": "Tokyo salon",
            "kind": "meetup",
            "timezone": "Asia/Tokyo",
            "starts_at": "2031-03-05T19:00",
            "ends_at": "2031-03-05T21:00",
            "venue": "Shibuya",
            "capacity": "30",
            "agenda": "19:00 | Welcome | Aiko\n19:30 | Talks | Ben, Chen",
        },
    )
    assert response.status_code == 302
    from community.events.models import Event

    event = Event.objects.get(title="Tokyo salon")
    assert event.starts_at == datetime(2031, 3, 5, 19, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert event.starts_at.astimezone(UTC).hour == 10
    assert [(a.title, a.speakers, a.starts_at.astimezone(UTC).hour) for a in event.agenda.all()] == [
        ("Welcome", "Aiko", 10),
        ("Talks", "Ben, Chen", 10),
    ]
    assert event.status == "draft"
    services.event_publish(actor=manager, event=event)
    assert timedelta(0) == event.ends_at - event.starts_at - timedelta(hours=2)
