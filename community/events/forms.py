"""The forms of the event pages: an event's details (times read in the event's own time
zone), the check-in code and the feedback."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .images import cover_check
from .models import Event, EventKind, timezone_validate

AGENDA_MAX_LINES = 40


def _zones() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"]


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=20000,
        help_text=_("Markdown."),
    )
    hosts = forms.CharField(
        label=_("Hosts"), max_length=300, required=False, help_text=_("Names, separated by commas.")
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=_zones, initial="UTC")
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("In the time zone above."),
    )
    ends_at = forms.DateTimeField(label=_("Ends"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    online_url = forms.URLField(label=_("Online link"), required=False, max_length=500, assume_scheme="https")
    venue = forms.CharField(label=_("Venue"), max_length=300, required=False)
    capacity = forms.IntegerField(
        label=_("Capacity"), min_value=1, max_value=100000, required=False, help_text=_("Places; empty for no limit.")
    )
    cover = forms.FileField(label=_("Cover image"), required=False, help_text=_("PNG, JPEG or WebP, at most 5 MB."))
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One item a line: time (HH:MM, optional) | title | speakers."),
    )
    slides_url = forms.URLField(label=_("Slides link"), required=False, max_length=500, assume_scheme="https")
    recording_url = forms.URLField(label=_("Recording link"), required=False, max_length=500, assume_scheme="https")

    def clean_timezone(self):
        value = self.cleaned_data["timezone"]
        timezone_validate(value)
        return value

    def clean_cover(self):
        cover = self.cleaned_data.get("cover")
        return cover_check(cover) if cover else None

    def clean(self):
        data = super().clean()
        zone_name = data.get("timezone")
        if not zone_name:
            return data
        zone = zoneinfo.ZoneInfo(zone_name)
        for name in ("starts_at", "ends_at"):
            value = data.get(name)
            if isinstance(value, datetime):
                # The browser's datetime-local is wall time in the event's zone.
                data[name] = value.replace(tzinfo=None).replace(tzinfo=zone)
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("An event ends after it starts."))
        if not data.get("online_url") and not data.get("venue"):
            self.add_error("venue", _("Give an online link or a venue."))
        data["agenda_items"] = self._agenda(data.get("agenda", ""), data.get("starts_at"), zone)
        return data

    def _agenda(self, text: str, starts_at, zone) -> list[dict]:
        items = []
        lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
        if len(lines) > AGENDA_MAX_LINES:
            self.add_error("agenda", _("At most %(n)s agenda items.") % {"n": AGENDA_MAX_LINES})
            return []
        for line in lines:
            parts = [part.strip() for part in line.split("|")]
            when = None
            if len(parts) == 3:
                at, title, speakers = parts
                if at:
                    try:
                        clock = datetime.strptime(at, "%H:%M").time()
                    except ValueError:
                        self.add_error("agenda", _("Write times as HH:MM, e.g. 18:30."))
                        return []
                    if starts_at:
                        when = datetime.combine(starts_at.astimezone(zone).date(), clock, tzinfo=zone)
            elif len(parts) == 2:
                title, speakers = parts
            else:
                title, speakers = parts[0], ""
            if not title or len(title) > 200 or len(speakers) > 300:
                self.add_error("agenda", _("Each agenda line needs a title (at most 200 characters)."))
                return []
            items.append({"title": title, "speakers": speakers, "starts_at": when})
        return items

    @classmethod
    def initial_for(cls, event: Event) -> dict:
        zone = event.zone
        lines = []
        for item in event.agenda.all():
            at = item.starts_at.astimezone(zone).strftime("%H:%M") if item.starts_at else ""
            lines.append(f"{at} | {item.title} | {item.speakers}")
        return {
            "title": event.title,
            "kind": event.kind,
            "description": event.description,
            "hosts": event.hosts,
            "timezone": event.timezone,
            "starts_at": event.starts_at.astimezone(zone).replace(tzinfo=None),
            "ends_at": event.ends_at.astimezone(zone).replace(tzinfo=None),
            "online_url": event.online_url,
            "venue": event.venue,
            "capacity": event.capacity,
            "agenda": "\n".join(lines),
            "slides_url": event.slides_url,
            "recording_url": event.recording_url,
        }


class CheckinForm(forms.Form):
    code = forms.CharField(label=_("Check-in code"), max_length=12)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        help_text=_("5 is best."),
    )
    comment = forms.CharField(
        label=_("Comments"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
