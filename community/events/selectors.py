"""Reads of events: what a visitor, a member, an organiser and other apps may see."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from community.activity.selectors import activity_counts_by_actor

from .models import Event, EventStatus, Feedback, Registration, RegistrationStatus

# What attendees did after an event, read from the activity stream.
AFTER_DAYS = 30
AFTER_VERBS = {
    "api_first_call": ("api.first_call",),
    "finetune_job": ("finetune.job.created",),
    "forum_posts": ("forum.thread.posted", "forum.reply.posted"),
}


def is_manager(user) -> bool:
    """Community managers: staff with the events app's change permission."""
    return bool(user and user.is_authenticated and user.is_staff and user.has_perm("events.change_event"))


def can_manage(user, event: Event) -> bool:
    """The organiser or a manager: who runs check-in, sees attendees and the summary."""
    return bool(user and user.is_authenticated and (event.organiser_id == user.pk or is_manager(user)))


def can_propose(user) -> bool:
    return bool(user and user.is_authenticated and (is_manager(user) or user.has_perm("events.propose_event")))


def event_get(*, event_id: int) -> Event:
    """An event in any status (raises Event.DoesNotExist)."""
    return Event.objects.select_related("organiser").get(pk=event_id)


def event_get_published(*, slug: str) -> Event:
    return Event.objects.select_related("organiser").get(slug=slug, status__in=(EventStatus.PUBLISHED,))


def event_get_for_viewer(*, user, slug: str) -> Event:
    """The event as ``user`` may see it: published and cancelled ones for everyone, drafts
    and those in review only for their organiser and managers. Http404 otherwise."""
    event = Event.objects.select_related("organiser", "organiser__profile").filter(slug=slug).first()
    if event is None:
        raise Http404
    if event.status in (EventStatus.PUBLISHED, EventStatus.CANCELLED) or can_manage(user, event):
        return event
    raise Http404


def event_get_managed(*, user, slug: str) -> Event:
    """An event the user organises or manages, or Http404."""
    event = Event.objects.select_related("organiser").filter(slug=slug).first()
    if event is None or not can_manage(user, event):
        raise Http404
    return event


def event_url(event: Event) -> str:
    return reverse("events:detail", kwargs={"slug": event.slug})


def events_listed(*, when: str = "upcoming", kind: str = "", mode: str = "", now: datetime | None = None):
    """Published (and cancelled) events, upcoming (soonest first) or past (latest first),
    filtered by kind and by online or in person."""
    now = now or timezone.now()
    events = Event.objects.filter(status__in=(EventStatus.PUBLISHED, EventStatus.CANCELLED)).select_related("organiser")
    if when == "past":
        events = events.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    else:
        events = events.filter(ends_at__gte=now).order_by("starts_at", "id")
    if kind:
        events = events.filter(kind=kind)
    if mode == "online":
        events = events.exclude(online_url="")
    elif mode == "in_person":
        events = events.filter(online_url="")
    return events.annotate(
        registered_count=Count("registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED))
    )


def events_in_month(*, year: int, month: int, zone: str = "UTC") -> list[list[tuple[date | None, list[Event]]]]:
    """The month's weeks (Monday first), each day with the published events starting on it
    in ``zone``."""
    tz = ZoneInfo(zone)
    first = datetime(year, month, 1, tzinfo=tz)
    last_day = calendar.monthrange(year, month)[1]
    end = first + timedelta(days=last_day)
    events = Event.objects.filter(
        status__in=(EventStatus.PUBLISHED, EventStatus.CANCELLED), starts_at__gte=first, starts_at__lt=end
    ).order_by("starts_at")
    by_day: dict[date, list[Event]] = {}
    for event in events:
        by_day.setdefault(event.starts_at.astimezone(tz).date(), []).append(event)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append(
            [(day if day.month == month else None, by_day.get(day, []) if day.month == month else []) for day in week]
        )
    return weeks


def events_published_for_feed(*, limit: int = 200):
    """What the iCalendar feed carries: published events from 90 days ago on."""
    since = timezone.now() - timedelta(days=90)
    return Event.objects.published().filter(ends_at__gte=since).order_by("starts_at")[:limit]


def events_in_review():
    return Event.objects.filter(status=EventStatus.IN_REVIEW).select_related("organiser").order_by("starts_at")


def events_of_organiser(*, user):
    return Event.objects.filter(organiser=user).order_by("-starts_at")


def registration_for(*, user, event: Event) -> Registration | None:
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(event=event, user=user).first()


def can_see_online_link(*, user, event: Event, registration: Registration | None = None) -> bool:
    """The online link is for registered attendees, the organiser and managers."""
    if not user.is_authenticated or not event.online_url:
        return False
    if can_manage(user, event):
        return True
    if registration is None:
        registration = registration_for(user=user, event=event)
    return registration is not None and registration.status == RegistrationStatus.REGISTERED


def waitlist_position(*, registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    return (
        Registration.objects.filter(
            event_id=registration.event_id,
            status=RegistrationStatus.WAITLISTED,
        )
        .filter(
            Q(waitlisted_at__lt=registration.waitlisted_at)
            | Q(waitlisted_at=registration.waitlisted_at, id__lte=registration.id)
        )
        .count()
    )


def registered_count(*, event: Event) -> int:
    return event.registrations.filter(status=RegistrationStatus.REGISTERED).count()


def event_attendees(*, event: Event):
    """Registered and waitlisted members, in the order they came (for the organiser)."""
    return (
        Registration.objects.filter(event=event)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("user", "user__profile")
        .order_by("status", "registered_at", "waitlisted_at", "id")
    )


def feedback_for(*, user, event: Event) -> Feedback | None:
    if not user.is_authenticated:
        return None
    return Feedback.objects.filter(event=event, user=user).first()


def attendance_counts(*, event_ids) -> dict[int, tuple[int, int]]:
    """Per event: (registered, attended)."""
    rows = (
        Registration.objects.filter(event_id__in=list(event_ids), status=RegistrationStatus.REGISTERED)
        .values("event_id")
        .annotate(registered=Count("id"), attended=Count("id", filter=Q(attended_at__isnull=False)))
    )
    counts = {event_id: (0, 0) for event_id in event_ids}
    counts.update({row["event_id"]: (row["registered"], row["attended"]) for row in rows})
    return counts


def attended_event_ids(*, user_id: int) -> set[int]:
    return set(
        Registration.objects.filter(user_id=user_id, attended_at__isnull=False).values_list("event_id", flat=True)
    )


def events_hosted_by(*, user_id: int, start: datetime, end: datetime) -> list[dict]:
    """Published events a member organised that started in [start, end), with attendance."""
    events = list(
        Event.objects.filter(
            organiser_id=user_id, status=EventStatus.PUBLISHED, starts_at__gte=start, starts_at__lt=end
        )
    )
    counts = attendance_counts(event_ids=[event.pk for event in events])
    return [
        {
            "id": event.pk,
            "title": event.title,
            "url": event_url(event),
            "kind": event.kind,
            "starts_at": event.starts_at,
            "registered": counts[event.pk][0],
            "attended": counts[event.pk][1],
        }
        for event in events
    ]


def event_summary(*, event: Event) -> dict:
    """What the organiser and managers see afterwards: registered, attended, no-shows, the
    ratings and comments, and what attendees did in the 30 days after the event."""
    registered, attended = attendance_counts(event_ids=[event.pk])[event.pk]
    feedback = Feedback.objects.filter(event=event).select_related("user", "user__profile").order_by("-created_at")
    rating = feedback.aggregate(avg=Avg("rating"), count=Count("id"))
    attendee_ids = list(
        Registration.objects.filter(event=event, attended_at__isnull=False).values_list("user_id", flat=True)
    )
    since, until = event.starts_at, event.ends_at + timedelta(days=AFTER_DAYS)
    counts = activity_counts_by_actor(
        actor_ids=attendee_ids,
        verbs=[verb for verbs in AFTER_VERBS.values() for verb in verbs],
        since=since,
        until=until,
    )

    def members(key: str) -> int:
        return len({actor for verb in AFTER_VERBS[key] for actor in counts.get(verb, {})})

    return {
        "registered": registered,
        "attended": attended,
        "no_shows": registered - attended if event.ends_at <= timezone.now() else None,
        "rating_average": round(rating["avg"], 2) if rating["avg"] is not None else None,
        "rating_count": rating["count"],
        "comments": [f for f in feedback if f.comment],
        "after": {
            "api_first_call": members("api_first_call"),
            "finetune_job": members("finetune_job"),
            "forum_posters": members("forum_posts"),
            "forum_posts": sum(n for verb in AFTER_VERBS["forum_posts"] for n in counts.get(verb, {}).values()),
        },
        "after_until": until,
    }
