"""iCalendar files of events (the ``icalendar`` library): the feed of published events
and one event's download. Times carry the event's TZID, with its VTIMEZONE included, so
calendars show them right in any zone."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as VEvent

from .models import Event, EventStatus
from .selectors import event_url

DESCRIPTION_CHARS = 1000


def _site() -> str:
    return settings.SITE_URL.rstrip("/")


def _vevent(event: Event, *, online_link: bool) -> VEvent:
    zone = event.zone
    vevent = VEvent()
    vevent.add("uid", f"event-{event.pk}@{settings.SITE_URL.split('//')[-1].strip('/') or 'atrium'}")
    vevent.add("summary", event.title)
    vevent.add("dtstart", event.starts_at.astimezone(zone))
    vevent.add("dtend", event.ends_at.astimezone(zone))
    vevent.add("dtstamp", timezone.now())
    vevent.add("last-modified", event.updated_at)
    url = _site() + event_url(event)
    vevent.add("url", url)
    description = event.description[:DESCRIPTION_CHARS]
    if online_link and event.online_url:
        description = f"{event.online_url}\n\n{description}"
    vevent.add("description", f"{description}\n\n{url}".strip())
    vevent.add("location", event.venue or url)
    vevent.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    return vevent


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Atrium//Events//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def event_ics(event: Event, *, online_link: bool = False) -> bytes:
    """One event; ``online_link``: the reader may see the link (a registered attendee)."""
    cal = _calendar(event.title)
    cal.add_component(_vevent(event, online_link=online_link))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed_ics(events) -> bytes:
    """The public feed: never the online links, which are for registered attendees."""
    cal = _calendar("Atrium events")
    for event in events:
        cal.add_component(_vevent(event, online_link=False))
    cal.add_missing_timezones()
    return cal.to_ical()
