"""Reads of hackathons, scoped to the reader: a hackathon is public while its event is
published; managers (the judges) see every one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.http import Http404

from community.events import selectors as events
from community.showcase import selectors as showcase

from .models import Hackathon, Score, Submission, Team, TeamMember

JUDGE_PERMISSION = "hackathons.change_hackathon"


def is_judge(user) -> bool:
    """Managers judge: staff with the change permission on hackathons."""
    return bool(getattr(user, "is_authenticated", False) and user.is_staff and user.has_perm(JUDGE_PERMISSION))


def _event(hackathon: Hackathon):
    if not hasattr(hackathon, "_event"):
        try:
            hackathon._event = events.event_get(event_id=hackathon.event_id)
        except (ObjectDoesNotExist, Http404):  # the event was deleted: the hackathon is shown to nobody but judges
            hackathon._event = None
    return hackathon._event


def hackathon_event(hackathon: Hackathon):
    """The hackathon's event (None if it no longer exists)."""
    return _event(hackathon)


def hackathon_event_url(hackathon: Hackathon) -> str:
    event = _event(hackathon)
    return events.event_url(event) if event is not None else ""


def hackathon_is_public(hackathon: Hackathon) -> bool:
    event = _event(hackathon)
    return event is not None and event.status == "published"


def hackathon_get(*, hackathon_id: int, user) -> Hackathon:
    """The hackathon, or 404 when it does not exist or its event is not published (judges
    see them all)."""
    hackathon = Hackathon.objects.filter(pk=hackathon_id).first()
    if hackathon is None or not (hackathon_is_public(hackathon) or is_judge(user)):
        raise Http404
    return hackathon


def hackathon_for_event(*, event_id: int) -> Hackathon | None:
    """The hackathon of an event, if it has one (the event page's section)."""
    return Hackathon.objects.filter(event_id=event_id).first()


def hackathon_list(*, user) -> list[Hackathon]:
    """Every hackathon the reader may see, newest window first."""
    judge = is_judge(user)
    return [h for h in Hackathon.objects.all()[:200] if judge or hackathon_is_public(h)]


def teams_of(*, hackathon: Hackathon) -> list[Team]:
    """The hackathon's teams with their members (``members``: users, oldest first)."""
    memberships = TeamMember.objects.select_related("user", "user__profile").order_by("joined_at", "id")
    teams = list(
        Team.objects.filter(hackathon=hackathon)
        .select_related("submission")
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .order_by("name")
    )
    for team in teams:
        team.members = [m.user for m in team.memberships.all()]
    return teams


def team_of(*, hackathon: Hackathon, user) -> Team | None:
    """The reader's team in this hackathon, with ``members``; None for anyone not in one."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = TeamMember.objects.filter(hackathon=hackathon, user=user).first()
    if membership is None:
        return None
    team = Team.objects.select_related("hackathon").get(pk=membership.team_id)
    team.members = [
        m.user for m in team.memberships.select_related("user", "user__profile").order_by("joined_at", "id")
    ]
    team.current_submission = Submission.objects.filter(team=team).first()
    return team


def team_entries(*, team: Team) -> list:
    """The published showcase entries of the team's members (what it may submit)."""
    entries = []
    for member in team.members:
        entries.extend(showcase.entries_by(user_id=member.pk))
    return entries


@dataclass
class SubmissionRow:
    submission: Submission
    entry: object
    url: str
    votes: int


def submissions_of(*, hackathon: Hackathon) -> list[SubmissionRow]:
    """The hackathon's submissions with their showcase entries and public votes."""
    submissions = list(
        Submission.objects.filter(hackathon=hackathon).select_related("team").order_by("submitted_at", "id")
    )
    votes = showcase.entry_vote_counts(entry_ids=[s.entry_id for s in submissions]) if submissions else {}
    rows = []
    for submission in submissions:
        try:
            entry = showcase.entry_get(entry_id=submission.entry_id)
        except (ObjectDoesNotExist, Http404):  # the entry was removed from the showcase
            entry = None
        rows.append(
            SubmissionRow(
                submission=submission,
                entry=entry,
                url=showcase.entry_url(entry) if entry is not None else "",
                votes=int(votes.get(submission.entry_id, 0) or 0),
            )
        )
    return rows


def judge_sheet(*, hackathon: Hackathon, judge) -> dict[int, dict[int, Score]]:
    """This judge's scores: {submission id: {criterion id: score}}."""
    sheet: dict[int, dict[int, Score]] = {}
    for score in Score.objects.filter(submission__hackathon=hackathon, judge=judge):
        sheet.setdefault(score.submission_id, {})[score.criterion_id] = score
    return sheet


@dataclass
class ResultRow:
    rank: int
    row: SubmissionRow
    average_score: Decimal | None
    votes: int
    prizes: list


def results_of(*, hackathon: Hackathon) -> list[ResultRow]:
    """The finalised ranking (empty before judging is finalised), each with the prizes
    its team won."""
    if not hackathon.is_finalised:
        return []
    rows = {row.submission.pk: row for row in submissions_of(hackathon=hackathon)}
    prizes: dict[int, list] = {}
    for prize in hackathon.prizes.order_by("place"):
        winner = (
            hackathon.peoples_choice_id
            if prize.is_peoples_choice
            else Submission.objects.filter(hackathon=hackathon, rank=prize.place).values_list("pk", flat=True).first()
        )
        if winner is not None:
            prizes.setdefault(winner, []).append(prize)
    ranked = sorted(rows.values(), key=lambda r: (r.submission.rank is None, r.submission.rank or 0))
    return [
        ResultRow(
            rank=row.submission.rank,
            row=row,
            average_score=row.submission.average_score,
            votes=row.submission.votes or 0,
            prizes=prizes.get(row.submission.pk, []),
        )
        for row in ranked
    ]
