"""Time to first call, as a test: a new visitor starts at the home page and, following only
what the pages show (the only addresses typed are the home page's and the verification
link from the mail), signs up, verifies, creates a key and makes the first call exactly as
the docs say: step 3 and step 4 copied with their Copy buttons and run in bash as copied.
``bench/first_call.py`` times the same journey (``first_call_journey``)."""

import io

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from bench.first_call import VERIFICATION_LINK, first_call_journey
from sandbox.usage.models import UsageRecord
from sandbox.usage.services import usage_records_flush

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_new_visitor_reaches_a_first_call_by_following_the_pages(live_server, celery_worker, clipboard_page):
    # The models `make run` registers: the snippet calls the default one.
    call_command("prepare_models", stdout=io.StringIO())

    def verification_link() -> str:
        [message] = mail.outbox
        assert message.to == ["new.visitor@example.com"]
        link = VERIFICATION_LINK.search(message.body).group(0)
        assert link.startswith(live_server.url)
        return link

    journey = first_call_journey(
        clipboard_page, live_server.url, email="new.visitor@example.com", verification_link=verification_link
    )

    assert list(journey.marks) == ["signed up", "verified", "key created", "first call"]
    # What was run is what the docs show: this site's base URL, and the key the page created,
    # filled into step 3 and into step 4's curl by the page.
    assert journey.export.startswith('export ATRIUM_API_KEY="atr_live_')
    secret = journey.export.split('"')[1]
    assert journey.curl.startswith(f"curl -sS --fail-with-body {live_server.url}/v1/chat/completions")
    assert f'"Authorization: Bearer {secret}"' in journey.curl
    usage_records_flush()
    [record] = UsageRecord.objects.all()
    assert (record.status_code, record.model_id, record.user.email) == (
        200,
        settings.DEFAULT_CHAT_MODEL,
        "new.visitor@example.com",
    )
    assert record.api_key is not None  # the key the page created, not the browser's session
