"""Verified usage: successful calls of the author with the entry's models this month,
exactly as the usage records have them, shown only when the author opts in."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from community.showcase import selectors, services
from sandbox.registry.models import HostedModel
from sandbox.usage.models import UsageRecord
from sandbox.usage.selectors import month_start, successful_calls_by_model
from tests.showcase.conftest import make_member

pytestmark = pytest.mark.django_db


def record(user, model_id, *, status=200, at=None):
    UsageRecord.objects.create(
        request_id=uuid.uuid4().hex,
        user=user,
        model_id=model_id,
        endpoint="chat.completions",
        status_code=status,
        latency_ms=5,
        created_at=at or timezone.now(),
    )


@pytest.fixture
def records(author, model):
    other = make_member("other@example.com")
    HostedModel.objects.create(model_id="atrium-embed", backend=HostedModel.Backend.ECHO)
    this_month = month_start() + timedelta(minutes=1)
    for _ in range(7):
        record(author, "atrium-chat", at=this_month)
    record(author, "atrium-chat", status=201)
    record(author, "atrium-chat", status=429)  # refused: not a successful call
    record(author, "atrium-chat", status=500)
    record(author, "atrium-chat", at=month_start() - timedelta(seconds=1))  # last month
    record(author, "atrium-embed")
    record(author, "atrium-embed")
    record(other, "atrium-chat")  # someone else
    return {"atrium-chat": 8, "atrium-embed": 2}


def test_the_selector_counts_successful_calls_per_model(author, records):
    counts = successful_calls_by_model(
        user_id=author.pk, model_ids=["atrium-chat", "atrium-embed", "x"], since=month_start()
    )
    assert counts == {**records, "x": 0}
    assert (
        counts["atrium-chat"]
        == UsageRecord.objects.filter(
            user=author, model_id="atrium-chat", status_code__lt=400, created_at__gte=month_start()
        ).count()
    )


def test_the_entry_shows_the_records_figure_when_the_author_opts_in(client, author, records, showcase_category):
    entry = services.entry_create(
        author=author, title="Bot", tagline="t", description="d", models=["atrium-chat", "atrium-embed"]
    )
    assert selectors.entry_verified_usage(entry=entry) == []
    assert "verified-usage" not in client.get(entry.get_absolute_url()).content.decode()
    services.entry_edit(
        editor=author,
        entry=entry,
        title="Bot",
        tagline="t",
        description="d",
        models=["atrium-chat", "atrium-embed"],
        verified_usage=True,
    )
    entry.refresh_from_db()
    assert selectors.entry_verified_usage(entry=entry) == [("atrium-chat", 8), ("atrium-embed", 2)]
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "Built on Atrium: 8 API calls this month with model atrium-chat" in page
    assert "Built on Atrium: 2 API calls this month with model atrium-embed" in page
    # A new call shows at once: the figure is read from the records, not kept aside.
    record(author, "atrium-embed")
    assert (
        "Built on Atrium: 3 API calls this month with model atrium-embed"
        in client.get(entry.get_absolute_url()).content.decode()
    )
