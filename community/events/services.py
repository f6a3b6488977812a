"""Writes for events: creating and publishing them, places and the waitlist, attendance,
reminders and feedback. Each ends by recording its activity; rewards and badges react to
those (``handlers.py`` here pays the points)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community.activity.services import activity_record
from community.notifications.services import notification_create

from .models import (
    AgendaItem,
    Event,
    EventStatus,
    Feedback,
    Registration,
    RegistrationStatus,
    ReminderKind,
    ReminderSent,
)
from .selectors import can_manage, event_url, is_manager

# A check-in opens this long before the start and stays open this long after the end.
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
CHECKIN_CLOSES_AFTER = timedelta(minutes=30)
CHECKIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a room
EDITABLE = (
    "title",
    "description",
    "kind",
    "hosts",
    "timezone",
    "starts_at",
    "ends_at",
    "online_url",
    "venue",
    "capacity",
    "slides_url",
    "recording_url",
)


class EventError(ValidationError):
    """An action the event's state does not allow (shown to the member as a message)."""


def _checkin_code() -> str:
    return "".join(secrets.choice(CHECKIN_ALPHABET) for _ in range(6))


def _slug_for(title: str) -> str:
    base = slugify(title)[:60] or "event"
    slug = base
    while Event.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def event_create(
    *,
    organiser,
    title: str,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str,  # noqa: A002 - the field's name
    description: str = "",
    hosts: str = "",
    online_url: str = "",
    venue: str = "",
    capacity: int | None = None,
    cover=None,
    slides_url: str = "",
    recording_url: str = "",
    agenda: list[dict] | tuple = (),
) -> Event:
    """A draft event organised by ``organiser`` (published by ``event_publish``). ``agenda``:
    dicts with title, speakers and optionally starts_at. ``cover``: an upload already
    checked by ``images.cover_check`` (a ContentFile with a name)."""
    event = Event(
        organiser=organiser,
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone,
        description=description,
        hosts=hosts,
        online_url=online_url,
        venue=venue,
        capacity=capacity,
        slides_url=slides_url,
        recording_url=recording_url,
        slug=_slug_for(title),
        checkin_code=_checkin_code(),
        status=EventStatus.DRAFT,
    )
    event.full_clean()
    with transaction.atomic():
        if cover is not None:
            event.cover.save(cover.name, cover, save=False)
        event.save()
        agenda_set(event=event, items=agenda)
    return event


def agenda_set(*, event: Event, items) -> None:
    """Replace the event's agenda with ``items`` (dicts: title, speakers, starts_at)."""
    rows = []
    for position, item in enumerate(items):
        row = AgendaItem(
            event=event,
            position=position,
            title=item["title"],
            speakers=item.get("speakers", ""),
            starts_at=item.get("starts_at"),
        )
        row.full_clean()
        rows.append(row)
    with transaction.atomic():
        event.agenda.all().delete()
        AgendaItem.objects.bulk_create(rows)


def event_update(*, actor, event: Event, cover=None, **fields) -> Event:
    """Change an event's details (organiser or manager)."""
    if not can_manage(actor, event):
        raise PermissionDenied
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        capacity_before = event.capacity
        for name, value in fields.items():
            setattr(event, name, value)
        event.full_clean()
        if cover is not None:
            event.cover.save(cover.name, cover, save=False)
        event.save()
        grew = event.capacity is None or (capacity_before is not None and event.capacity > capacity_before)
        if event.status == EventStatus.PUBLISHED and grew:
            _waitlist_promote(event=event)  # more places: the waitlist moves up, in order
    return event


def event_publish(*, actor, event: Event) -> Event:
    """Publish the event. A manager publishes (or approves an event in review); an organiser
    who may only propose events (``events.propose_event``) sends it to review instead."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status in (EventStatus.PUBLISHED, EventStatus.CANCELLED):
            return event
        if not is_manager(actor):
            if event.organiser_id != actor.pk or not actor.has_perm("events.propose_event"):
                raise PermissionDenied
            event.status = EventStatus.IN_REVIEW
            event.save(update_fields=["status", "updated_at"])
            return event
        event.status = EventStatus.PUBLISHED
        event.published_at = timezone.now()
        event.save(update_fields=["status", "published_at", "updated_at"])
        activity_record(
            actor=event.organiser_id,
            verb="event.published",
            target=event,
            properties={"event": event.pk, "kind": event.kind},
            dedupe_key=f"event.published:{event.pk}",
        )
        if event.organiser_id != actor.pk:
            notification_create(
                recipient=event.organiser,
                kind="event",
                title=_("Your event “%(title)s” is published") % {"title": event.title},
                url=event_url(event),
                actor=actor,
            )
    return event


def event_return_to_draft(*, actor, event: Event) -> Event:
    """A manager sends an event in review back to its organiser as a draft."""
    if not is_manager(actor):
        raise PermissionDenied
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status == EventStatus.IN_REVIEW:
            event.status = EventStatus.DRAFT
            event.save(update_fields=["status", "updated_at"])
    return event


def event_cancel(*, actor, event: Event) -> Event:
    """Cancel the event; its registered members and waitlist are told."""
    if not can_manage(actor, event):
        raise PermissionDenied
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status == EventStatus.CANCELLED:
            return event
        was_published = event.status == EventStatus.PUBLISHED
        event.status = EventStatus.CANCELLED
        event.save(update_fields=["status", "updated_at"])
        if was_published:
            from community.notifications.services import notifications_create

            recipients = [
                r.user
                for r in event.registrations.select_related("user").filter(
                    status__in=(RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
                )
            ]
            notifications_create(
                recipients=recipients,
                kind="event",
                title=_("“%(title)s” was cancelled") % {"title": event.title},
                url=event_url(event),
                actor=actor,
            )
            activity_record(actor=actor, verb="event.cancelled", target=event, properties={"event": event.pk})
    return event


def event_proposer_set(*, user, allowed: bool) -> None:
    """Let ``user`` propose events for managers to review (ambassadors), or stop them."""
    permission = Permission.objects.get(content_type__app_label="events", codename="propose_event")
    if allowed:
        user.user_permissions.add(permission)
    else:
        user.user_permissions.remove(permission)
    # Django caches permissions on the object; the cached backend's generation moved with the m2m change.
    for attribute in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attribute, None)


# --- Places and the waitlist ----------------------------------------------------------------


def rsvp_register(*, user, event: Event) -> Registration:
    """Take a place at the event, or a spot on its waitlist when it is full.

    The event's row is locked for the count and the write, so concurrent registrations
    are served one at a time and never exceed the capacity. Registering again while
    holding a place (or a spot) changes nothing."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status != EventStatus.PUBLISHED:
            raise EventError(_("This event is not open for registration."), code="not_open")
        if event.ends_at <= timezone.now():
            raise EventError(_("This event is over."), code="over")
        registration = Registration.objects.filter(event=event, user=user).first()
        if registration is not None and registration.status != RegistrationStatus.CANCELLED:
            return registration
        taken = event.registrations.filter(status=RegistrationStatus.REGISTERED).count()
        now = timezone.now()
        full = event.capacity is not None and taken >= event.capacity
        if registration is None:
            registration = Registration(event=event, user=user)
        registration.status = RegistrationStatus.WAITLISTED if full else RegistrationStatus.REGISTERED
        registration.waitlisted_at = now if full else None
        registration.registered_at = None if full else now
        registration.save()
        if full:
            position = event.registrations.filter(
                status=RegistrationStatus.WAITLISTED, waitlisted_at__lte=registration.waitlisted_at
            ).count()
            activity_record(
                actor=user,
                verb="event.rsvp.waitlisted",
                target=event,
                properties={"event": event.pk, "position": position},
            )
        else:
            activity_record(
                actor=user,
                verb="event.rsvp.registered",
                target=event,
                properties={"event": event.pk, "kind": event.kind, "promoted": False},
            )
    return registration


def rsvp_cancel(*, user, event: Event) -> Registration | None:
    """Give up a place (or leave the waitlist). A place given up goes to the first member
    on the waitlist, who is told by notification and by mail."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        registration = Registration.objects.filter(event=event, user=user).first()
        if registration is None or registration.status == RegistrationStatus.CANCELLED:
            return registration
        if registration.attended_at is not None:
            raise EventError(_("You have checked in already."), code="attended")
        was = registration.status
        registration.status = RegistrationStatus.CANCELLED
        registration.save(update_fields=["status"])
        activity_record(
            actor=user, verb="event.rsvp.cancelled", target=event, properties={"event": event.pk, "was": was}
        )
        if was == RegistrationStatus.REGISTERED:
            _waitlist_promote(event=event)
    return registration


def _waitlist_promote(*, event: Event) -> list[Registration]:
    """Fill free places from the waitlist, first come first served (the event row is locked)."""
    if event.ends_at <= timezone.now():
        return []
    taken = event.registrations.filter(status=RegistrationStatus.REGISTERED).count()
    free = None if event.capacity is None else max(event.capacity - taken, 0)
    waiting = event.registrations.filter(status=RegistrationStatus.WAITLISTED).select_related("user")
    waiting = waiting.order_by("waitlisted_at", "id")
    promoted = list(waiting if free is None else waiting[:free])
    now = timezone.now()
    for registration in promoted:
        registration.status = RegistrationStatus.REGISTERED
        registration.registered_at = now
        registration.save(update_fields=["status", "registered_at"])
        notification_create(
            recipient=registration.user,
            kind="event",
            title=_("A place opened up: you are registered for “%(title)s”") % {"title": event.title},
            url=event_url(event),
        )
        activity_record(
            actor=registration.user,
            verb="event.rsvp.registered",
            target=event,
            properties={"event": event.pk, "kind": event.kind, "promoted": True},
        )
        registration_id = registration.pk
        transaction.on_commit(lambda rid=registration_id: _promotion_mail_queue(rid))
    return promoted


def _promotion_mail_queue(registration_id: int) -> None:
    from .tasks import promotion_mail

    promotion_mail.delay(registration_id=registration_id)


def event_mail(*, registration: Registration, template: str, subject: str) -> None:
    """Mail one member about their place at an event (a promotion, a reminder), in their
    language. ``subject``: an untranslated msgid (``gettext_noop``) with %(title)s."""
    user, event = registration.user, registration.event
    if not user.email:
        return
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "event": event,
            "user": user,
            "event_link": settings.SITE_URL.rstrip("/") + event_url(event),
            "SITE_URL": settings.SITE_URL,
        }
        subject_text = _(subject) % {"title": event.title}
        text = render_to_string(f"events/email/{template}.txt", context)
        html = render_to_string(f"events/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=f"[Atrium] {subject_text}", body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()


def promotion_mail_send(*, registration_id: int) -> bool:
    registration = Registration.objects.select_related("user", "event").filter(pk=registration_id).first()
    if registration is None or registration.status != RegistrationStatus.REGISTERED:
        return False
    from django.utils.translation import gettext_noop

    event_mail(
        registration=registration,
        template="promoted",
        subject=gettext_noop("You have a place at “%(title)s”"),
    )
    return True


# --- Reminders ------------------------------------------------------------------------------


def reminders_send(*, now: datetime | None = None) -> int:
    """Mail each registered member of a published event a reminder the day before and an
    hour before, each once: the ``ReminderSent`` row is written with the mail, and its
    unique constraint stops a second run (or a second worker) from sending it again."""
    from django.utils.translation import gettext_noop

    now = now or timezone.now()
    windows = (
        (ReminderKind.HOUR, now, now + timedelta(hours=1), gettext_noop("Starting in an hour: “%(title)s”")),
        (
            ReminderKind.DAY,
            now + timedelta(hours=1),
            now + timedelta(hours=24),
            gettext_noop("Tomorrow: “%(title)s”"),
        ),
    )
    sent = 0
    for kind, start, end, subject in windows:
        due = (
            Registration.objects.filter(
                status=RegistrationStatus.REGISTERED,
                event__status=EventStatus.PUBLISHED,
                event__starts_at__gt=start,
                event__starts_at__lte=end,
            )
            .exclude(reminders__kind=kind)
            .select_related("user", "event")
        )
        for registration in due:
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(registration=registration, kind=kind)
                    event_mail(
                        registration=registration,
                        template=f"reminder_{kind}",
                        subject=subject,
                    )
            except IntegrityError:
                continue  # another run sent it
            sent += 1
    return sent


# --- Attendance -----------------------------------------------------------------------------


def checkin_open(event: Event, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        event.status == EventStatus.PUBLISHED
        and event.starts_at - CHECKIN_OPENS_BEFORE <= now <= event.ends_at + CHECKIN_CLOSES_AFTER
    )


def checkin_with_code(*, user, event: Event, code: str) -> Registration:
    """A registered member checks in with the code the host shows (typed, or in the QR's link)."""
    if not checkin_open(event):
        raise EventError(_("Check-in is open only around the event's time."), code="closed")
    if not secrets.compare_digest((code or "").strip().upper(), event.checkin_code):
        raise EventError(_("That check-in code is not right."), code="code")
    return _attendance_record(event=event, user_id=user.pk, method="code")


def attendance_mark(*, actor, event: Event, user_id: int) -> Registration:
    """The organiser (or a manager) marks a registered member as attended."""
    if not can_manage(actor, event):
        raise PermissionDenied
    if event.status != EventStatus.PUBLISHED or timezone.now() < event.starts_at - CHECKIN_OPENS_BEFORE:
        raise EventError(_("Attendance can be marked once the event begins."), code="closed")
    return _attendance_record(event=event, user_id=user_id, method="organiser")


def _attendance_record(*, event: Event, user_id: int, method: str) -> Registration:
    with transaction.atomic():
        registration = Registration.objects.select_for_update().filter(event=event, user_id=user_id).first()
        if registration is None or registration.status != RegistrationStatus.REGISTERED:
            raise EventError(_("Only registered members can check in."), code="not_registered")
        if registration.attended_at is not None:
            return registration
        registration.attended_at = timezone.now()
        registration.attended_method = method
        registration.save(update_fields=["attended_at", "attended_method"])
        activity_record(
            actor=user_id,
            verb="event.attended",
            target=event,
            properties={"event": event.pk, "kind": event.kind, "method": method, "organiser": event.organiser_id},
            dedupe_key=f"event.attended:{event.pk}:{user_id}",
        )
    return registration


def checkin_code_rotate(*, actor, event: Event) -> Event:
    if not can_manage(actor, event):
        raise PermissionDenied
    event.checkin_code = _checkin_code()
    event.save(update_fields=["checkin_code", "updated_at"])
    return event


# --- Feedback -------------------------------------------------------------------------------


def feedback_give(*, user, event: Event, rating: int, comment: str = "") -> Feedback:
    """An attendee rates the event (1 to 5) with an optional comment, once."""
    with transaction.atomic():
        attended = Registration.objects.filter(event=event, user=user, attended_at__isnull=False).exists()
        if not attended:
            raise EventError(_("Only members who attended can leave feedback."), code="not_attended")
        if Feedback.objects.filter(event=event, user=user).exists():
            raise EventError(_("You have left feedback on this event already."), code="given")
        feedback = Feedback(event=event, user=user, rating=rating, comment=(comment or "").strip())
        feedback.full_clean()
        try:
            with transaction.atomic():
                feedback.save()
        except IntegrityError as exc:
            raise EventError(_("You have left feedback on this event already."), code="given") from exc
        activity_record(
            actor=user,
            verb="event.feedback.given",
            target=event,
            properties={"event": event.pk, "rating": feedback.rating, "has_comment": bool(feedback.comment)},
            dedupe_key=f"event.feedback:{event.pk}:{user.pk}",
        )
    return feedback
