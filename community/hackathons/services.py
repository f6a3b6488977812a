"""Writes of hackathons: teams, submissions, judges' scores, and finalising (ranking and prizes).

Concurrency: a team's size is checked under a lock on the team's row, and the database
allows one team per member and hackathon, so two members joining the last place (or one
member joining two teams at once) never overfill a team or split a member. Finalising
locks the hackathon's row: the ranking is stored once, and each prize is paid to each
winner once (a ``PrizeAward`` row per prize and member, the ledgers' own references
besides), however often or concurrently it runs.

Prizes are paid through the rewards ledger (``points_award`` with the 0-point rule
``hackathon.prize``, paid the prize's amount, as forum bounties are) or billing's credit
ledger (``credits_grant``, kind reward), each with a reference unique per hackathon, place
and member.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.activity.services import activity_record
from community.events import selectors as events
from community.notifications.services import NotificationKind, notification_create
from community.rewards.services import points_award
from community.showcase import selectors as showcase
from community.showcase import services as showcase_services
from portal.billing.selectors import CreditKind
from portal.billing.services import credits_grant
from portal.shipped import shipped_template_register

from .models import (
    PEOPLES_CHOICE,
    Hackathon,
    Prize,
    PrizeAward,
    PrizeKind,
    Score,
    Submission,
    Team,
    TeamMember,
)
from .selectors import is_judge

PRIZE_RULE = "hackathon.prize"
SUBMISSION_RULE = "hackathon.submitted"
# Stored in English on the ledgers, shown in the reader's language.
REASON_PRIZE = gettext_noop("Hackathon prize: {hackathon}")
shipped_template_register(REASON_PRIZE)

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed from a slide
INVITE_LENGTH = 8


# --- Hackathons -------------------------------------------------------------------------------------


def hackathon_create(
    *,
    event_id: int,
    submissions_open_at: datetime | None = None,
    submissions_close_at: datetime | None = None,
    team_size_max: int = 4,
    rules: str = "",
) -> Hackathon:
    """The hackathon of a hackathon event (idempotent: an event has one). The window
    defaults to the event's start and end."""
    existing = Hackathon.objects.filter(event_id=event_id).first()
    if existing is not None:
        return existing
    event = events.event_get(event_id=event_id)
    if event.kind != "hackathon":
        raise ValidationError(_("Only a hackathon event can have a hackathon."), code="kind")
    hackathon = Hackathon(
        event_id=event.pk,
        title=event.title[:200],
        submissions_open_at=submissions_open_at or event.starts_at,
        submissions_close_at=submissions_close_at or event.ends_at,
        team_size_max=team_size_max,
        rules=rules,
    )
    hackathon.full_clean()
    try:
        with transaction.atomic():
            hackathon.save()
    except IntegrityError:  # created meanwhile (the event's activity delivered twice)
        return Hackathon.objects.get(event_id=event_id)
    return hackathon


def _window_open(hackathon: Hackathon, now=None) -> None:
    now = now or timezone.now()
    state = hackathon.window_state(now)
    if state == "upcoming":
        raise ValidationError(_("Submissions have not opened yet."), code="window_upcoming")
    if state == "closed":
        raise ValidationError(_("Submissions are closed."), code="window_closed")


def _teams_open(hackathon: Hackathon) -> None:
    """Teams form and change until submissions close; then they are fixed for judging."""
    if hackathon.window_state(timezone.now()) == "closed":
        raise ValidationError(_("Submissions are closed: teams can no longer change."), code="window_closed")


# --- Teams --------------------------------------------------------------------------------------------


def _invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _position in range(INVITE_LENGTH))


def _join_record(*, user, team: Team, created: bool) -> None:
    activity_record(
        actor=user,
        verb="hackathon.team.joined",
        target=team,
        properties={
            "hackathon": team.hackathon_id,
            "event": team.hackathon.event_id,
            "team": team.pk,
            "created": created,
        },
    )


def _add_member(*, team: Team, user) -> TeamMember:
    membership = TeamMember(team=team, hackathon_id=team.hackathon_id, user=user)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:  # a team of theirs was made meanwhile (another tab)
        raise ValidationError(_("You are already in a team for this hackathon."), code="in_team") from exc
    return membership


def team_create(*, user, hackathon: Hackathon, name: str) -> Team:
    """Create a team with ``user`` as its captain and first member."""
    _teams_open(hackathon)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the team a name.")}, code="name")
    if TeamMember.objects.filter(hackathon=hackathon, user=user).exists():
        raise ValidationError(_("You are already in a team for this hackathon."), code="in_team")
    with transaction.atomic():
        team = Team(hackathon=hackathon, name=name, invite_code=_invite_code(), captain=user)
        team.full_clean(exclude=["invite_code"], validate_constraints=False)
        if Team.objects.filter(hackathon=hackathon, name__iexact=name).exists():
            raise ValidationError({"name": _("Another team already has this name.")}, code="name_taken")
        try:
            with transaction.atomic():
                team.save()
        except IntegrityError as exc:
            raise ValidationError({"name": _("Another team already has this name.")}, code="name_taken") from exc
        _add_member(team=team, user=user)
        _join_record(user=user, team=team, created=True)
    return team


def team_join(*, user, hackathon: Hackathon, invite_code: str) -> Team:
    """Join the team of ``hackathon`` whose invite code this is, if it has room."""
    _teams_open(hackathon)
    code = (invite_code or "").strip().upper()
    team_id = Team.objects.filter(hackathon=hackathon, invite_code=code).values_list("pk", flat=True).first()
    if team_id is None:
        raise ValidationError({"invite_code": _("No team of this hackathon has this invite code.")}, code="code")
    with transaction.atomic():
        # Joins to one team queue here, so the count below is the team's size.
        team = Team.objects.select_for_update().select_related("hackathon").get(pk=team_id)
        if TeamMember.objects.filter(hackathon=hackathon, user=user).exists():
            raise ValidationError(_("You are already in a team for this hackathon."), code="in_team")
        if team.memberships.count() >= hackathon.team_size_max:
            raise ValidationError(
                _("This team is full (%(limit)d members).") % {"limit": hackathon.team_size_max}, code="full"
            )
        _add_member(team=team, user=user)
        _join_record(user=user, team=team, created=False)
    return team


def team_leave(*, user, hackathon: Hackathon) -> None:
    """Leave one's team. The captaincy passes to the longest-standing member; the last
    member's leaving dissolves the team (with its submission)."""
    _teams_open(hackathon)
    with transaction.atomic():
        membership = TeamMember.objects.filter(hackathon=hackathon, user=user).first()
        if membership is None:
            raise ValidationError(_("You are not in a team for this hackathon."), code="no_team")
        team = Team.objects.select_for_update().get(pk=membership.team_id)
        membership.delete()
        remaining = team.memberships.order_by("joined_at", "id").first()
        if remaining is None:
            team.delete()
        elif team.captain_id == user.pk:
            team.captain_id = remaining.user_id
            team.save(update_fields=["captain"])


# --- Submissions ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewEntry:
    """What the submit form asks for when a team publishes a new showcase entry."""

    title: str
    tagline: str
    description: str
    url: str = ""
    repository_url: str = ""
    models: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


def submission_submit(
    *, user, hackathon: Hackathon, entry_id: int | None = None, new_entry: NewEntry | None = None
) -> Submission:
    """Submit a showcase entry for ``user``'s team: an existing published entry by a member
    of the team (``entry_id``), or a new one published now with the hackathon's label.
    One submission per team: submitting again within the window replaces the entry."""
    if (entry_id is None) == (new_entry is None):
        raise ValidationError(_("Choose one of your team's entries, or describe a new one."), code="entry")
    _window_open(hackathon)
    membership = TeamMember.objects.filter(hackathon=hackathon, user=user).select_related("team").first()
    if membership is None:
        raise ValidationError(_("Join or create a team before submitting."), code="no_team")
    with transaction.atomic():
        # One team's submissions one at a time: two members submitting at once make one row.
        team = Team.objects.select_for_update().select_related("hackathon").get(pk=membership.team_id)
        members = set(team.memberships.values_list("user_id", flat=True))
        if entry_id is not None:
            entry = showcase.entry_get(entry_id=entry_id)
            if entry.author_id not in members or entry.published_at is None or entry.is_hidden:
                raise ValidationError(_("Submit an entry published by a member of your team."), code="not_team_entry")
        else:
            entry = showcase_services.entry_create(
                author=user,
                title=new_entry.title,
                tagline=new_entry.tagline,
                description=new_entry.description,
                url=new_entry.url,
                repository_url=new_entry.repository_url,
                models=list(new_entry.models),
                tags=list(new_entry.tags),
                hackathon=hackathon.title,
            )
        taken = Submission.objects.filter(hackathon=hackathon, entry_id=entry.pk).exclude(team=team).exists()
        if taken:
            raise ValidationError(_("Another team already submitted this entry."), code="entry_taken")
        submission = Submission.objects.filter(team=team).first()
        created = submission is None
        if created:
            submission = Submission(hackathon=hackathon, team=team)
        submission.entry_id = entry.pk
        submission.submitted_by = user
        submission.full_clean(exclude=["hackathon", "team", "submitted_by"], validate_constraints=False)
        try:
            with transaction.atomic():
                submission.save()
        except IntegrityError as exc:
            raise ValidationError(_("Another team already submitted this entry."), code="entry_taken") from exc
        if created:
            activity_record(
                actor=user,
                verb="hackathon.submitted",
                target=submission,
                properties={
                    "hackathon": hackathon.pk,
                    "event": hackathon.event_id,
                    "team": team.pk,
                    "entry": entry.pk,
                },
                dedupe_key=f"hackathon.submitted:{team.pk}",
            )
    return submission


# --- Judging ----------------------------------------------------------------------------------------------


def _judge_check(*, judge, hackathon: Hackathon) -> None:
    if not is_judge(judge):
        raise PermissionDenied(_("Only community managers judge hackathons."))


def scores_set(*, judge, submission: Submission, scores: dict[int, tuple[int, str]]) -> list[Score]:
    """A judge's scores of one submission: ``{criterion id: (score, comment)}``. Scoring
    opens when submissions close and ends when judging is finalised; a judge may revise
    their own scores until then."""
    hackathon = submission.hackathon
    _judge_check(judge=judge, hackathon=hackathon)
    if hackathon.window_state(timezone.now()) != "closed":
        raise ValidationError(_("Judging opens when submissions close."), code="judging_not_open")
    criteria = {c.pk: c for c in hackathon.criteria.all()}
    if not criteria:
        raise ValidationError(_("This hackathon has no judging criteria yet."), code="no_criteria")
    if set(scores) != set(criteria):
        raise ValidationError(_("Score every criterion."), code="criteria")
    written = []
    with transaction.atomic():
        locked = Hackathon.objects.select_for_update().get(pk=hackathon.pk)
        if locked.is_finalised:
            raise ValidationError(_("Judging is finalised: scores can no longer change."), code="finalised")
        for criterion_id, (value, comment) in scores.items():
            score = Score.objects.filter(submission=submission, criterion_id=criterion_id, judge=judge).first()
            score = score or Score(submission=submission, criterion=criteria[criterion_id], judge=judge)
            score.value, score.comment = value, (comment or "").strip()
            score.full_clean(exclude=["submission", "criterion", "judge"], validate_constraints=False)
            score.save()
            written.append(score)
    return written


def ranking_compute(*, hackathon: Hackathon) -> list[Submission]:
    """The submissions best first: by the judges' average score (all of their scores on
    every criterion), ties by public votes, then by who submitted first. Each carries
    ``average_score`` and ``votes`` (unsaved)."""
    submissions = list(
        Submission.objects.filter(hackathon=hackathon).annotate(average=Avg("scores__value")).select_related("team")
    )
    votes = showcase.entry_vote_counts(entry_ids=[s.entry_id for s in submissions]) if submissions else {}
    for submission in submissions:
        submission.average_score = round(submission.average, 2) if submission.average is not None else None
        submission.votes = int(votes.get(submission.entry_id, 0) or 0)
    submissions.sort(
        key=lambda s: (
            s.average is None,
            -(s.average or 0),
            -s.votes,
            s.submitted_at,
            s.pk,
        )
    )
    return submissions


def hackathon_finalise(*, actor, hackathon: Hackathon) -> Hackathon:
    """Close judging: store the ranking and the people's choice, and pay the prizes.

    Idempotent: a second run (a double click, a retry, two managers at once) finds the
    ranking stored and every prize paid, and pays nobody twice.
    """
    _judge_check(judge=actor, hackathon=hackathon)
    with transaction.atomic():
        hackathon = Hackathon.objects.select_for_update().get(pk=hackathon.pk)
        if not hackathon.is_finalised:
            if hackathon.window_state(timezone.now()) != "closed":
                raise ValidationError(_("Judging can be finalised once submissions close."), code="window_open")
            ranking = ranking_compute(hackathon=hackathon)
            if any(s.average is None for s in ranking):
                raise ValidationError(
                    _("Every submission needs the judges' scores before judging is finalised."), code="unscored"
                )
            for rank, submission in enumerate(ranking, start=1):
                submission.rank = rank
                submission.save(update_fields=["rank", "average_score", "votes"])
            popular = sorted((s for s in ranking if s.votes > 0), key=lambda s: (-s.votes, s.rank))
            hackathon.peoples_choice = popular[0] if popular else None
            hackathon.finalised_at = timezone.now()
            hackathon.finalised_by = actor
            hackathon.save(update_fields=["peoples_choice", "finalised_at", "finalised_by"])
        _prizes_pay(hackathon)
    return hackathon


def _winner(hackathon: Hackathon, prize: Prize) -> Submission | None:
    if prize.place == PEOPLES_CHOICE:
        return (
            Submission.objects.filter(pk=hackathon.peoples_choice_id).first() if hackathon.peoples_choice_id else None
        )
    return Submission.objects.filter(hackathon=hackathon, rank=prize.place).first()


def _prizes_pay(hackathon: Hackathon) -> None:
    """Pay every prize to every member of the team that took it, once (under the
    hackathon's lock, taken by the caller)."""
    for prize in hackathon.prizes.order_by("place"):
        submission = _winner(hackathon, prize)
        if submission is None:
            continue
        paid = set(PrizeAward.objects.filter(prize=prize).values_list("user_id", flat=True))
        members = TeamMember.objects.filter(team_id=submission.team_id).select_related("user").order_by("joined_at")
        for membership in members:
            if membership.user_id in paid:
                continue
            _prize_pay(hackathon=hackathon, prize=prize, submission=submission, user=membership.user)


def _prize_pay(*, hackathon: Hackathon, prize: Prize, submission: Submission, user) -> None:
    reference = f"hackathon:{hackathon.pk}:prize:{prize.place}:{user.pk}"
    award = PrizeAward(
        prize=prize, submission=submission, user=user, kind=prize.kind, amount=prize.amount, reference=reference
    )
    award.full_clean(exclude=["prize", "submission", "user"], validate_constraints=False)
    award.save()
    if prize.kind == PrizeKind.CREDITS:
        credits_grant(
            user=user,
            amount=prize.amount,
            reason=REASON_PRIZE.format(hackathon=hackathon.title),
            reference=reference,
            kind=CreditKind.REWARD,
        )
    else:
        points_award(
            user_id=user.pk,
            rule=PRIZE_RULE,
            cause=f"hackathon:{hackathon.pk}:prize:{prize.place}",
            amount=prize.amount,
            note=hackathon.title[:200],
        )
    _prize_announce(hackathon=hackathon, prize=prize, user=user)
    activity_record(
        actor=user,
        verb="hackathon.prize.awarded",
        target=submission,
        properties={"hackathon": hackathon.pk, "place": prize.place, "kind": prize.kind, "amount": prize.amount},
        dedupe_key=f"hackathon.prize:{prize.pk}:{user.pk}",
    )


def _prize_announce(*, hackathon: Hackathon, prize: Prize, user) -> None:
    """Tell the winner, in their language (the bell, and an email by their preference)."""
    with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
        amount = {"amount": prize.amount}
        paid = _("%(amount)s credits") % amount if prize.kind == PrizeKind.CREDITS else _("%(amount)s points") % amount
        title = _("Your team won a prize at “%(hackathon)s”: %(prize)s.") % {
            "hackathon": hackathon.title,
            "prize": paid,
        }
    notification_create(
        recipient=user,
        kind=NotificationKind.EVENT,
        title=title,
        url=reverse("hackathons:results", kwargs={"hackathon_id": hackathon.pk}),
    )
