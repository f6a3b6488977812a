"""The event pages: lists, calendar and feeds for everyone; the event page with its RSVP,
check-in and feedback for members; the form, check-in desk and summary for organisers and
managers. Views parse input and call one service or selector; scoping lives in the
selectors (``event_get_for_viewer``, ``event_get_managed``)."""

from __future__ import annotations

from datetime import date

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.markdown import MEMBER, render_markdown
from portal.shipped import shipped_translate

from . import selectors, services
from .forms import CheckinForm, EventForm, FeedbackForm
from .ical import event_ics, feed_ics
from .models import EventKind, EventStatus, RegistrationStatus
from .sections import event_section_templates


def _messages_from(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@require_GET
def index(request):
    """Upcoming (or past) events, filtered by kind and by online or in person."""
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    kind = request.GET.get("kind", "")
    kind = kind if kind in EventKind.values else ""
    mode = request.GET.get("mode", "")
    mode = mode if mode in ("online", "in_person") else ""
    events = list(selectors.events_listed(when=when, kind=kind, mode=mode)[:100])
    return render(
        request,
        "events/index.html",
        {
            "events": events,
            "when": when,
            "kind": kind,
            "mode": mode,
            "kinds": EventKind.choices,
            "can_propose": selectors.can_propose(request.user),
            "is_manager": selectors.is_manager(request.user),
        },
    )


@require_GET
def month(request, year: int | None = None, month: int | None = None):
    """A month's calendar (UTC days)."""
    today = timezone.now().date()
    year, month = year or today.year, month or today.month
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404
    first = date(year, month, 1)
    previous = date(year - 1, 12, 1) if month == 1 else date(year, month - 1, 1)
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return render(
        request,
        "events/calendar.html",
        {
            "weeks": selectors.events_in_month(year=year, month=month),
            "first": first,
            "previous": previous,
            "following": following,
            "today": today,
        },
    )


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def feed(request):
    """The iCalendar feed of published events (subscribe to it in a calendar)."""
    response = HttpResponse(
        feed_ics(selectors.events_published_for_feed()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="atrium-events.ics"'
    return response


@require_GET
def ics(request, slug):
    event = selectors.event_get_for_viewer(user=request.user, slug=slug)
    online = selectors.can_see_online_link(user=request.user, event=event)
    return _ics_response(event_ics(event, online_link=online), f"{event.slug}.ics")


@require_GET
def detail(request, slug):
    event = selectors.event_get_for_viewer(user=request.user, slug=slug)
    registration = selectors.registration_for(user=request.user, event=event)
    now = timezone.now()
    attended = registration is not None and registration.attended_at is not None
    context = {
        "event": event,
        "description_html": render_markdown(shipped_translate(event.description), profile=MEMBER).html,
        "agenda": list(event.agenda.all()),
        "registration": registration,
        "registered_count": selectors.registered_count(event=event),
        "waitlist_position": selectors.waitlist_position(registration=registration) if registration else None,
        "show_online_link": selectors.can_see_online_link(user=request.user, event=event, registration=registration),
        "can_manage": selectors.can_manage(request.user, event),
        "is_manager": selectors.is_manager(request.user),
        "is_past": event.ends_at < now,
        "is_open": event.status == EventStatus.PUBLISHED and event.ends_at > now,
        "checkin_open": services.checkin_open(event, now)
        and registration is not None
        and registration.status == RegistrationStatus.REGISTERED
        and not attended,
        "attended": attended,
        "feedback": selectors.feedback_for(user=request.user, event=event) if attended else None,
        "feedback_form": FeedbackForm() if attended else None,
        "checkin_form": CheckinForm(),
        "sections": event_section_templates(event.kind),
    }
    return render(request, "events/detail.html", context)


@login_required
@require_POST
def rsvp(request, slug):
    event = selectors.event_get_for_viewer(user=request.user, slug=slug)
    try:
        registration = services.rsvp_register(user=request.user, event=event)
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        if registration.status == RegistrationStatus.REGISTERED:
            messages.success(request, _("You are registered."))
        else:
            messages.info(request, _("The event is full: you are on the waitlist. We will mail you if a place opens."))
    return redirect(event.get_absolute_url())


@login_required
@require_POST
def rsvp_cancel(request, slug):
    event = selectors.event_get_for_viewer(user=request.user, slug=slug)
    try:
        services.rsvp_cancel(user=request.user, event=event)
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect(event.get_absolute_url())


@login_required
def checkin(request, slug):
    """Check in with the host's code: typed in (POST), or the QR code's link (GET ?code=)."""
    event = selectors.event_get_for_viewer(user=request.user, slug=slug)
    code = request.POST.get("code") if request.method == "POST" else request.GET.get("code")
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405)
    if not code:
        return render(request, "events/checkin.html", {"event": event, "form": CheckinForm()})
    form = CheckinForm({"code": code})
    if form.is_valid():
        try:
            services.checkin_with_code(user=request.user, event=event, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc.messages[0])
        else:
            messages.success(request, _("You are checked in. Enjoy the event!"))
            return redirect(event.get_absolute_url())
    return render(request, "events/checkin.html", {"event": event, "form": form}, status=400)


@login_required
@require_POST
def feedback(request, slug):
    event = selectors.event_get_for_viewer(user=request.user, slug=slug)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(event.get_absolute_url())
    try:
        services.feedback_give(
            user=request.user, event=event, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        messages.success(request, _("Thank you for your feedback."))
    return redirect(event.get_absolute_url())


# --- Organisers and managers ----------------------------------------------------------------


@login_required
def create(request):
    """A manager creates an event; an ambassador (events.propose_event) proposes one."""
    if not selectors.can_propose(request.user):
        raise PermissionDenied
    form = EventForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.event_create(
                organiser=request.user,
                agenda=data["agenda_items"],
                cover=data["cover"],
                **{name: data[name] for name in services.EDITABLE},
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Draft saved. Publish it (or send it for review) from its page."))
            return redirect(event.get_absolute_url())
    return render(request, "events/form.html", {"form": form, "event": None}, status=400 if form.errors else 200)


@login_required
def edit(request, slug):
    event = selectors.event_get_managed(user=request.user, slug=slug)
    if request.method == "POST":
        form = EventForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.event_update(
                    actor=request.user,
                    event=event,
                    cover=data["cover"],
                    **{name: data[name] for name in services.EDITABLE},
                )
                services.agenda_set(event=event, items=data["agenda_items"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(event.get_absolute_url())
    else:
        form = EventForm(initial=EventForm.initial_for(event))
    return render(request, "events/form.html", {"form": form, "event": event}, status=400 if form.errors else 200)


@login_required
@require_POST
def publish(request, slug):
    event = selectors.event_get_managed(user=request.user, slug=slug)
    event = services.event_publish(actor=request.user, event=event)
    if event.status == EventStatus.IN_REVIEW:
        messages.success(request, _("Sent to the community managers for review."))
    else:
        messages.success(request, _("Published."))
    return redirect(event.get_absolute_url())


@login_required
@require_POST
def return_to_draft(request, slug):
    event = selectors.event_get_managed(user=request.user, slug=slug)
    services.event_return_to_draft(actor=request.user, event=event)
    messages.success(request, _("Returned to its organiser as a draft."))
    return redirect(event.get_absolute_url())


@login_required
@require_POST
def cancel(request, slug):
    event = selectors.event_get_managed(user=request.user, slug=slug)
    services.event_cancel(actor=request.user, event=event)
    messages.success(request, _("The event is cancelled; its members were told."))
    return redirect(event.get_absolute_url())


@login_required
def manage(request):
    """Managers: events waiting for review and drafts; organisers: their own events."""
    if not selectors.can_propose(request.user):
        raise PermissionDenied
    context = {
        "in_review": list(selectors.events_in_review()) if selectors.is_manager(request.user) else [],
        "mine": list(selectors.events_of_organiser(user=request.user)[:100]),
    }
    return render(request, "events/manage.html", context)


@login_required
def attendees(request, slug):
    """The check-in desk: the code and its QR to show in the room, and the attendee list
    where the organiser marks attendance."""
    event = selectors.event_get_managed(user=request.user, slug=slug)
    if request.method == "POST":
        try:
            if "rotate" in request.POST:
                services.checkin_code_rotate(actor=request.user, event=event)
            else:
                user_id = int(request.POST.get("user", ""))
                services.attendance_mark(actor=request.user, event=event, user_id=user_id)
                messages.success(request, _("Marked as attended."))
        except (TypeError, ValueError):
            messages.error(request, _("Choose a member from the list."))
        except ValidationError as exc:
            _messages_from(request, exc)
        return redirect("events:attendees", slug=event.slug)
    link = request.build_absolute_uri(
        reverse("events:checkin", kwargs={"slug": event.slug}) + f"?code={event.checkin_code}"
    )
    qr_svg = segno.make(link, error="m").svg_inline(scale=6, dark="#000", light="#fff")
    return render(
        request,
        "events/attendees.html",
        {
            "event": event,
            "registrations": list(selectors.event_attendees(event=event)),
            "checkin_link": link,
            "qr_svg": qr_svg,
            "checkin_open": services.checkin_open(event),
        },
    )


@login_required
@require_GET
def summary(request, slug):
    event = selectors.event_get_managed(user=request.user, slug=slug)
    return render(request, "events/summary.html", {"event": event, "summary": selectors.event_summary(event=event)})
