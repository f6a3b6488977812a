"""What acceptance grants (leader level, badge, points, monthly credits, proposing events
that go to review) and what revoking takes back."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from community.ambassadors.models import Ambassador
from community.ambassadors.selectors import ambassadors_by_region, is_ambassador
from community.ambassadors.services import ambassadors_credits_grant_monthly
from community.ambassadors.tasks import credits_grant_monthly
from community.badges.models import BadgeAward
from community.events.services import event_create, event_publish
from community.rewards.models import PointsEntry
from community.trust.levels import Level
from community.trust.selectors import member_trust_get
from portal.billing.models import CreditEntry

from .conftest import deliver

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as a new request would load it (no cached permissions)."""
    return get_user_model().objects.get(pk=user.pk)


def ambassador_credits(user) -> list[CreditEntry]:
    return list(CreditEntry.objects.filter(user=user, reference__startswith="ambassador:").order_by("id"))


def propose(user):
    start = timezone.now() + timedelta(days=10)
    event = event_create(
        organiser=user,
        title="Fine-tuning night in Lisbon",
        kind="meetup",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        timezone="Europe/Lisbon",
        description="Hands-on LoRA.",
        venue="Lisbon",
    )
    return event_publish(actor=user, event=event)


def test_acceptance_grants_leader_badge_points_credits_and_listing(ambassador, applicant):
    assert is_ambassador(user_id=applicant.pk) and ambassador.granted_leader
    trust = member_trust_get(user=applicant)
    assert trust.level == Level.LEADER and trust.locked
    [award] = BadgeAward.objects.filter(user=applicant, badge__slug="ambassador")
    assert award.badge.grade == "gold"
    [points] = PointsEntry.objects.filter(user=applicant, rule_key="ambassador.accepted")
    assert points.amount == 100
    deliver()  # delivered again: nothing more
    assert PointsEntry.objects.filter(user=applicant, rule_key="ambassador.accepted").count() == 1
    [credits] = ambassador_credits(applicant)
    assert credits.amount == 20 and credits.reference == f"ambassador:{applicant.pk}:{timezone.now():%Y-%m}"
    [(region, members)] = ambassadors_by_region()
    assert str(region) == "Europe" and [m.user_id for m in members] == [applicant.pk]


def test_the_public_page_lists_ambassadors_by_region(client, ambassador, applicant, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        page = client.get(reverse("ambassadors:list"))
    html = page.content.decode()
    assert page.status_code == 200 and "Europe" in html
    assert f'data-ambassador="{applicant.profile.handle}"' in html
    assert "Portuguese, English" in html and 'href="https://github.com/ana"' in html
    assert f"/u/{applicant.profile.handle}/avatar.png" in html


def test_an_ambassador_proposes_events_that_go_to_review(ambassador, applicant, other_user):
    event = propose(fresh(applicant))
    assert event.status == "in_review"
    with pytest.raises(PermissionDenied):
        propose(fresh(other_user))


def test_monthly_credits_are_paid_once_a_month_however_often_the_task_runs(ambassador, applicant):
    next_month = datetime(2031, 2, 1, 0, 30, tzinfo=UTC)
    assert ambassadors_credits_grant_monthly(now=next_month) == 1
    assert ambassadors_credits_grant_monthly(now=next_month) == 1  # a rerun on the same day
    assert ambassadors_credits_grant_monthly(now=next_month + timedelta(days=3)) == 1
    references = [entry.reference for entry in ambassador_credits(applicant)]
    assert references == [
        f"ambassador:{applicant.pk}:{timezone.now():%Y-%m}",
        f"ambassador:{applicant.pk}:2031-02",
    ]
    # The beat task itself (this month: paid at acceptance already).
    credits_grant_monthly.apply()
    credits_grant_monthly.apply()
    assert len(ambassador_credits(applicant)) == 2


def test_the_monthly_credits_task_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["ambassadors-credits-grant-monthly"]
    assert entry["task"] == "community.ambassadors.credits_grant_monthly"
    assert entry["schedule"].day_of_month == {1}


def test_revoking_ends_proposing_credits_and_the_leader_level(client, manager, ambassador, applicant):
    client.force_login(manager)
    response = client.post(reverse("ambassadors:revoke", kwargs={"user_id": applicant.pk}))
    assert response.status_code == 302
    deliver()
    assert not is_ambassador(user_id=applicant.pk)
    assert Ambassador.objects.get(user=applicant).revoked_at is not None
    assert not fresh(applicant).has_perm("events.propose_event")
    with pytest.raises(PermissionDenied):
        propose(fresh(applicant))
    trust = member_trust_get(user=applicant)
    assert trust.level < Level.LEADER and not trust.locked
    assert ambassadors_credits_grant_monthly(now=datetime(2031, 2, 1, tzinfo=UTC)) == 0
    assert len(ambassador_credits(applicant)) == 1  # what was paid stays; nothing more
    assert ambassadors_by_region() == []
    # The badge earned stays, as badges do.
    assert BadgeAward.objects.filter(user=applicant, badge__slug="ambassador").count() == 1
    # Revoking twice: a clear message, not a 500.
    again = client.post(reverse("ambassadors:revoke", kwargs={"user_id": applicant.pk}), follow=True)
    assert again.status_code == 200 and "not an ambassador" in again.content.decode()


def test_a_member_who_was_leader_keeps_the_level_after_revoking(manager, application, applicant, eager_tasks):
    from community.ambassadors.services import ambassador_revoke, application_accept
    from community.trust.services import member_level_set

    member_level_set(manager=manager, user=applicant, level=Level.LEADER, locked=True)
    ambassador = application_accept(manager=manager, application_id=application.pk)
    assert not ambassador.granted_leader
    ambassador_revoke(manager=manager, user_id=applicant.pk)
    assert member_trust_get(user=applicant).level == Level.LEADER
