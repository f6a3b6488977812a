"""Reading the ambassador program: who is an ambassador, the public list by region, the
applications managers review, and each ambassador's quarter."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from .models import Ambassador, Application, Referral, Region

__all__ = ["Region", "ambassadors_by_region", "is_ambassador"]


def is_ambassador(*, user_id: int | None) -> bool:
    """Whether the member is an ambassador now."""
    return user_id is not None and Ambassador.objects.filter(user_id=user_id, active=True).exists()


def ambassadors_by_region() -> list[tuple[str, list[Ambassador]]]:
    """The active ambassadors grouped by region (regions in their order, the empty ones left
    out), each with their profile loaded: the public page's one query."""
    rows = list(
        Ambassador.objects.filter(active=True, user__is_active=True)
        .select_related("user__profile")
        .order_by("region", "since", "user_id")
    )
    groups = []
    for value, label in Region.choices:
        members = [row for row in rows if row.region == value]
        if members:
            groups.append((label, members))
    return groups


def ambassador_of(*, user_id: int) -> Ambassador | None:
    """The member's ambassador row if they are one now."""
    return Ambassador.objects.filter(user_id=user_id, active=True).first()


def referral_url(ambassador: Ambassador) -> str:
    return reverse("ambassadors:referral", kwargs={"code": ambassador.referral_code})


def applications_of(*, user) -> list[Application]:
    """The member's own applications, newest first (what the apply page shows them)."""
    return list(Application.objects.filter(user=user).select_related("reviewed_by__profile"))


def applications_pending() -> list[Application]:
    """Applications waiting for review, oldest first."""
    return list(
        Application.objects.filter(status=Application.Status.PENDING)
        .select_related("user__profile")
        .order_by("created_at", "id")
    )


def applications_reviewed(*, limit: int = 50) -> list[Application]:
    return list(
        Application.objects.exclude(status=Application.Status.PENDING)
        .select_related("user__profile", "reviewed_by__profile")
        .order_by("-reviewed_at", "-id")[:limit]
    )


def application_get(*, application_id: int) -> Application:
    try:
        return Application.objects.select_related("user__profile").get(pk=application_id)
    except Application.DoesNotExist as exc:
        raise Http404 from exc


def ambassadors_for_managers() -> list[Ambassador]:
    """Every ambassador, current ones first, with their referral counts."""
    return list(
        Ambassador.objects.select_related("user__profile")
        .annotate(referral_count=Count("referrals"))
        .order_by("-active", "region", "since")
    )


def ambassador_get(*, user_id: int) -> Ambassador:
    try:
        return Ambassador.objects.select_related("user__profile").get(user_id=user_id)
    except Ambassador.DoesNotExist as exc:
        raise Http404 from exc


# --- The quarter report -----------------------------------------------------------------------

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def start(self) -> datetime:
        return datetime(self.year, 3 * self.number - 2, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        if self.number == 4:
            return datetime(self.year + 1, 1, 1, tzinfo=UTC)
        return datetime(self.year, 3 * self.number + 1, 1, tzinfo=UTC)

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.number}"

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)


def quarter_of(moment: datetime) -> Quarter:
    return Quarter(moment.year, (moment.month - 1) // 3 + 1)


def quarter_parse(value: str | None) -> Quarter:
    """``2026-Q3`` (or ``2026Q3``); the current quarter for anything else."""
    match = _QUARTER.match((value or "").strip().upper())
    if match is None:
        return quarter_of(timezone.now())
    return Quarter(int(match.group(1)), int(match.group(2)))


def quarter_choices(*, count: int = 8) -> list[Quarter]:
    """This quarter and the ones before it, newest first."""
    quarters = [quarter_of(timezone.now())]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters


@dataclass
class QuarterReport:
    quarter: Quarter
    events: list[dict] = field(default_factory=list)
    events_registered: int = 0
    events_attended: int = 0
    answers: int = 0
    accepted_answers: int = 0
    showcase_entries: list = field(default_factory=list)
    recipes: list[dict] = field(default_factory=list)
    referrals: int = 0


def quarter_report(*, user_id: int, quarter: Quarter) -> QuarterReport:
    """What an ambassador did in a quarter: events hosted (and their registrations and
    attendance), answers in Q&A and how many are accepted, showcase entries and recipes
    published, and members who signed up through their referral link. Each figure comes
    from the app that keeps it, through its selectors."""
    from community.events.selectors import events_hosted_by
    from community.forums.selectors.profile import answers_counts
    from community.recipes.selectors import recipes_by
    from community.showcase.selectors import entries_by

    start, end = quarter.start, quarter.end
    report = QuarterReport(quarter=quarter)
    report.events = events_hosted_by(user_id=user_id, start=start, end=end)
    report.events_registered = sum(event["registered"] for event in report.events)
    report.events_attended = sum(event["attended"] for event in report.events)
    answers = answers_counts(user_id=user_id, start=start, end=end)
    report.answers, report.accepted_answers = answers["answers"], answers["accepted"]
    report.showcase_entries = list(entries_by(user_id=user_id, start=start, end=end))
    report.recipes = [
        recipe
        for recipe in recipes_by(user_id=user_id)
        if recipe["published_at"] is not None and start <= recipe["published_at"] < end
    ]
    report.referrals = Referral.objects.filter(
        Q(ambassador_id=user_id), signed_up_at__gte=start, signed_up_at__lt=end
    ).count()
    return report
