"""The ambassador program's pages: the public list by region, applying, the managers'
review, the ambassadors' list with revoking, each ambassador's quarter, and the referral link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from portal.accounts.devices import request_fingerprint

from . import selectors, services
from .forms import ApplicationForm, ReviewForm


def _manager_required(view):
    """Managers only: anyone else gets 403 (signed-out visitors are sent to log in)."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not services.can_manage(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@require_safe
def ambassador_list(request):
    return render(
        request,
        "ambassadors/list.html",
        {
            "regions": selectors.ambassadors_by_region(),
            "can_manage": services.can_manage(request.user),
        },
    )


@login_required
def apply(request):
    """Apply (one open application at a time); the member's applications and, for an
    ambassador, their referral link."""
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Thank you: your application is waiting for review."))
            return redirect("ambassadors:apply")
    ambassador = selectors.ambassador_of(user_id=request.user.pk)
    applications = selectors.applications_of(user=request.user)
    return render(
        request,
        "ambassadors/apply.html",
        {
            "form": form,
            "applications": applications,
            "open": any(a.status == a.Status.PENDING for a in applications),
            "ambassador": ambassador,
            "referral_url": request.build_absolute_uri(selectors.referral_url(ambassador)) if ambassador else "",
        },
    )


@_manager_required
@require_safe
def review_list(request):
    return render(
        request,
        "ambassadors/review_list.html",
        {"pending": selectors.applications_pending(), "reviewed": selectors.applications_reviewed()},
    )


@_manager_required
def review(request, application_id: int):
    application = selectors.application_get(application_id=application_id)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["note"]
        try:
            if form.cleaned_data["decision"] == "accept":
                ambassador = services.application_accept(manager=request.user, application_id=application.pk, note=note)
                messages.success(request, _("Accepted: the member is an ambassador now."))
                if not ambassador.granted_leader:
                    messages.info(
                        request, _("Their trust level was left as it is (leader already, or not yours to set).")
                    )
            else:
                services.application_decline(manager=request.user, application_id=application.pk, note=note)
                messages.success(request, _("Declined: the applicant is told with your note."))
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return redirect("ambassadors:review_list")
    return render(request, "ambassadors/review.html", {"application": application, "form": form})


@_manager_required
@require_safe
def manage(request):
    return render(request, "ambassadors/manage.html", {"ambassadors": selectors.ambassadors_for_managers()})


@_manager_required
@require_POST
def revoke(request, user_id: int):
    try:
        services.ambassador_revoke(manager=request.user, user_id=user_id)
    except services.Ambassador.DoesNotExist:
        messages.error(request, _("This member is not an ambassador."))
    else:
        messages.success(request, _("Ambassador status ended: event proposing and monthly credits stop."))
    return redirect("ambassadors:manage")


@_manager_required
@require_safe
def quarter(request, user_id: int):
    ambassador = selectors.ambassador_get(user_id=user_id)
    chosen = selectors.quarter_parse(request.GET.get("quarter"))
    return render(
        request,
        "ambassadors/quarter.html",
        {
            "ambassador": ambassador,
            "report": selectors.quarter_report(user_id=user_id, quarter=chosen),
            "quarters": selectors.quarter_choices(),
        },
    )


@require_safe
def referral(request, code: str):
    """An ambassador's referral link: remembered for this browser (its device cookie's keyed
    hash), then on to sign-up; a sign-up from here within 30 days counts as referred."""
    if not request.user.is_authenticated:
        services.referral_visit_record(code=code, device_hash=request_fingerprint(request)["device_hash"])
    return redirect(reverse("account_signup"))
