"""Hackathon pages: the overview, one's team, submitting, judging (managers) and the
results. Thin: every read is scoped by the selectors (a hackathon whose event is not
published is a 404 but to judges), every write goes through the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.markdown import MEMBER, render_markdown

from . import selectors, services
from .forms import ScoreForm, SubmitExistingForm, SubmitNewForm, TeamCreateForm, TeamJoinForm
from .models import Submission


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _context(request, hackathon, **extra) -> dict:
    return {
        "hackathon": hackathon,
        "event": selectors.hackathon_event(hackathon),
        "event_url": selectors.hackathon_event_url(hackathon),
        "window": hackathon.window_state(timezone.now()),
        "is_judge": selectors.is_judge(request.user),
        **extra,
    }


@require_safe
def hackathon_list(request):
    return render(request, "hackathons/list.html", {"hackathons": selectors.hackathon_list(user=request.user)})


@require_safe
def hackathon_detail(request, hackathon_id: int):
    hackathon = selectors.hackathon_get(hackathon_id=hackathon_id, user=request.user)
    context = _context(
        request,
        hackathon,
        # Sanitized by the MEMBER profile; the template marks it safe.
        rules_html=render_markdown(hackathon.rules, profile=MEMBER).html,
        prizes=list(hackathon.prizes.all()),
        criteria=list(hackathon.criteria.all()),
        teams=selectors.teams_of(hackathon=hackathon),
        submissions=selectors.submissions_of(hackathon=hackathon),
        my_team=selectors.team_of(hackathon=hackathon, user=request.user),
    )
    return render(request, "hackathons/detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def team(request, hackathon_id: int):
    """One's team (members, invite code, leaving), or the forms to create or join one."""
    hackathon = selectors.hackathon_get(hackathon_id=hackathon_id, user=request.user)
    create_form, join_form = TeamCreateForm(prefix="create"), TeamJoinForm(prefix="join")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                create_form = TeamCreateForm(request.POST, prefix="create")
                if create_form.is_valid():
                    services.team_create(user=request.user, hackathon=hackathon, **create_form.cleaned_data)
                    messages.success(request, _("Team created. Share the invite code with your teammates."))
                    return redirect("hackathons:team", hackathon_id=hackathon.pk)
            elif action == "join":
                join_form = TeamJoinForm(request.POST, prefix="join")
                if join_form.is_valid():
                    services.team_join(user=request.user, hackathon=hackathon, **join_form.cleaned_data)
                    messages.success(request, _("You joined the team."))
                    return redirect("hackathons:team", hackathon_id=hackathon.pk)
            elif action == "leave":
                services.team_leave(user=request.user, hackathon=hackathon)
                messages.success(request, _("You left the team."))
                return redirect("hackathons:detail", hackathon_id=hackathon.pk)
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as exc:
            if action == "join":
                _errors_to_form(join_form, exc)
            elif action == "create":
                _errors_to_form(create_form, exc)
            else:
                messages.error(request, " ".join(exc.messages))
    context = _context(
        request,
        hackathon,
        my_team=selectors.team_of(hackathon=hackathon, user=request.user),
        create_form=create_form,
        join_form=join_form,
    )
    return render(request, "hackathons/team.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def submit(request, hackathon_id: int):
    """Submit (or replace) the team's entry: one of the team's published entries, or a new one."""
    hackathon = selectors.hackathon_get(hackathon_id=hackathon_id, user=request.user)
    my_team = selectors.team_of(hackathon=hackathon, user=request.user)
    if my_team is None:
        messages.info(request, _("Join or create a team before submitting."))
        return redirect("hackathons:team", hackathon_id=hackathon.pk)
    entries = selectors.team_entries(team=my_team)
    existing_form = SubmitExistingForm(prefix="existing", entries=entries)
    new_form = SubmitNewForm(prefix="new")
    if request.method == "POST":
        mode = request.POST.get("mode")
        form = None
        try:
            if mode == "existing":
                form = existing_form = SubmitExistingForm(request.POST, prefix="existing", entries=entries)
                if form.is_valid():
                    services.submission_submit(
                        user=request.user, hackathon=hackathon, entry_id=form.cleaned_data["entry"]
                    )
            elif mode == "new":
                form = new_form = SubmitNewForm(request.POST, prefix="new")
                if form.is_valid():
                    services.submission_submit(
                        user=request.user, hackathon=hackathon, new_entry=services.NewEntry(**form.cleaned_data)
                    )
            if form is not None and form.is_valid():
                messages.success(request, _("Your team's submission is in."))
                return redirect("hackathons:detail", hackathon_id=hackathon.pk)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        except PermissionDenied as exc:  # the forums refuse the entry's comment thread (a suspended author)
            form.add_error(None, str(exc) or _("You cannot publish to the showcase right now."))
    context = _context(
        request, hackathon, my_team=my_team, entries=entries, existing_form=existing_form, new_form=new_form
    )
    return render(request, "hackathons/submit.html", context)


def _judge_hackathon(request, hackathon_id: int):
    hackathon = selectors.hackathon_get(hackathon_id=hackathon_id, user=request.user)
    if not selectors.is_judge(request.user):
        raise PermissionDenied
    return hackathon


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def judge(request, hackathon_id: int):
    """The judges' sheet: every submission with this judge's scores and comments; a POST
    scores one submission."""
    hackathon = _judge_hackathon(request, hackathon_id)
    criteria = list(hackathon.criteria.all())
    sheet = selectors.judge_sheet(hackathon=hackathon, judge=request.user)
    posted_id, posted_form = None, None
    if request.method == "POST":
        try:
            posted_id = int(request.POST.get("submission", ""))
        except ValueError:
            posted_id = None
        submission = Submission.objects.filter(pk=posted_id, hackathon=hackathon).first()
        if submission is None:
            messages.error(request, _("Choose a submission of this hackathon to score."))
            return redirect("hackathons:judge", hackathon_id=hackathon.pk)
        posted_form = ScoreForm(request.POST, prefix=f"s{posted_id}", criteria=criteria)
        if posted_form.is_valid():
            try:
                services.scores_set(judge=request.user, submission=submission, scores=posted_form.scores())
            except ValidationError as exc:
                _errors_to_form(posted_form, exc)
            else:
                messages.success(request, _("Scores saved."))
                return redirect("hackathons:judge", hackathon_id=hackathon.pk)
    rows = []
    for row in selectors.submissions_of(hackathon=hackathon):
        pk = row.submission.pk
        form = posted_form if pk == posted_id else None
        form = form or ScoreForm(prefix=f"s{pk}", criteria=criteria, scores=sheet.get(pk))
        rows.append({"row": row, "form": form, "scored": pk in sheet})
    return render(request, "hackathons/judge.html", _context(request, hackathon, rows=rows, criteria=criteria))


@login_required
@require_POST
def finalise(request, hackathon_id: int):
    """Close judging: rank the submissions and pay the prizes (once, however often posted)."""
    hackathon = _judge_hackathon(request, hackathon_id)
    try:
        services.hackathon_finalise(actor=request.user, hackathon=hackathon)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("hackathons:judge", hackathon_id=hackathon.pk)
    messages.success(request, _("Judging finalised and prizes paid."))
    return redirect("hackathons:results", hackathon_id=hackathon.pk)


@require_safe
def results(request, hackathon_id: int):
    hackathon = selectors.hackathon_get(hackathon_id=hackathon_id, user=request.user)
    results = selectors.results_of(hackathon=hackathon)
    peoples_choice = next((r for r in results if r.row.submission.pk == hackathon.peoples_choice_id), None)
    context = _context(request, hackathon, results=results, peoples_choice=peoples_choice)
    return render(request, "hackathons/results.html", context)
