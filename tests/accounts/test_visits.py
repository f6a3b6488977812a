"""Days visited (trust levels): a signed-in member's first page of a UTC day records
account.visited once; later pages that day cost no query and record nothing; visitors and
/v1 calls are not visits."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.activity.models import ActivityEvent
from portal.accounts.visits import visit_record
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db


def _visits(user=None) -> list:
    deliver()
    visits = ActivityEvent.objects.filter(verb="account.visited")
    if user is not None:
        visits = visits.filter(actor=user)
    return list(visits.order_by("occurred_at"))


def test_the_first_page_of_the_day_records_a_visit(client, user):
    client.get(reverse("home"))  # a visitor: no visit
    client.force_login(user)
    client.get(reverse("home"))
    client.get(reverse("home"))
    [visit] = _visits()
    today = datetime.now(UTC).date().isoformat()
    assert visit.actor == user and visit.properties == {"day": today}
    assert visit.dedupe_key == f"account.visited:{user.pk}:{today}"


def test_recording_a_visit_costs_the_page_no_query(client, user):
    from django.core.cache import cache

    client.force_login(user)
    url = reverse("trust:levels")
    client.get(url)
    counts = []
    for gate_open in (True, False):
        if gate_open:  # as at the day's first page
            cache.delete(f"accounts:visited:v1:{user.pk}:{datetime.now(UTC).date().isoformat()}")
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    assert len(_visits(user)) == 1


def test_one_visit_a_day_even_if_the_gate_is_lost(user):
    """The cache key gates the request path; the dedupe key keeps one a day regardless."""
    from django.core.cache import cache

    now = datetime.now(UTC)
    assert visit_record(user=user, now=now)
    assert not visit_record(user=user, now=now)
    cache.clear()
    assert visit_record(user=user, now=now)  # recorded again, stored once
    assert visit_record(user=user, now=now - timedelta(days=1))  # another day
    assert [v.properties["day"] for v in _visits(user)] == [
        (now - timedelta(days=1)).date().isoformat(),
        now.date().isoformat(),
    ]
