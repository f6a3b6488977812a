"""Reading a thread is tracked for trust levels: opening the page records forum.thread.read
(a first visit enters a topic; the posts new to the reader are read), and the page's
beacon (static/forums/reading.js) reports the seconds spent on it. The beacon takes
signed-in members only, with the CSRF token, and counts a visit's time once, never more
than the time since the page was served nor the cap per visit."""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from community.activity.models import ActivityEvent
from community.forums import services
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier request left active."""
    translation.activate("en")
    yield
    translation.deactivate()


def _reads() -> list:
    deliver()
    return list(ActivityEvent.objects.filter(verb="forum.thread.read").order_by("occurred_at", "id"))


def _visit(html: str) -> str:
    return re.search(r'data-visit="([^"]+)"', html)[1]


def test_opening_a_thread_records_the_read(client, question, answer, answerer, third):
    client.force_login(third)
    client.get(question.get_absolute_url())
    client.get(question.get_absolute_url())  # nothing new: nothing recorded
    services.post_create(author=answerer, thread=question, body="A follow-up with more detail.")
    client.get(question.get_absolute_url())
    reads = _reads()
    assert [(r.properties["first_visit"], r.properties["posts_read"], r.properties["seconds"]) for r in reads] == [
        (True, 2, 0),
        (False, 1, 0),
    ]
    assert reads[0].actor == third and reads[0].properties["category"] == question.category_id


def test_the_page_carries_the_beacon_for_members_only(client, question, third):
    html = client.get(question.get_absolute_url()).content.decode()
    assert "data-read-beacon" not in html and "forums/reading.js" not in html
    client.force_login(third)
    html = client.get(question.get_absolute_url()).content.decode()
    assert f'data-read-beacon="{reverse("forums:thread_read_time", kwargs={"pk": question.pk})}"' in html
    assert re.search(r'<script src="/static/forums/reading.js" nonce="[^"]+" defer></script>', html)


def test_the_beacon_needs_the_csrf_token_and_a_member(question, third):
    url = reverse("forums:thread_read_time", kwargs={"pk": question.pk})
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(third)
    html = reader.get(question.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    assert reader.post(url, {"visit": _visit(html), "seconds": "3"}).status_code == 403  # no CSRF token
    assert Client().post(url, {"visit": _visit(html), "seconds": "3"}).status_code == 403  # anonymous
    assert reader.get(url).status_code == 405
    assert reader.post(url, {"visit": _visit(html), "seconds": "3", "csrfmiddlewaretoken": token}).status_code == 204
    assert reader.post(url, {"visit": "forged", "seconds": "3", "csrfmiddlewaretoken": token}).status_code == 400
    [beacon] = [r for r in _reads() if r.properties["seconds"]]
    assert beacon.actor == third and beacon.properties["seconds"] == 3 and not beacon.properties["first_visit"]


def test_a_visit_counts_once_and_is_capped(question, third, asker, settings):
    settings.FORUM_READ_MAX_SECONDS_PER_VISIT = 600
    served = time.time()
    visit = services.reading_visit_token(user=third, thread=question, now=served)

    def report(seconds, after):
        return services.thread_reading_time_record(
            user=third, thread=question, token=visit, seconds=seconds, now=served + after
        )

    assert report(5000, after=30) == 35  # no more than the page has been open (with a little slack)
    assert report(40, after=40) == 5  # only what the visit had not reported
    assert report(40, after=50) == 0  # the same total again: nothing
    assert report(5000, after=5000) == 560  # at most the cap per visit
    assert report(9000, after=9000) == 0
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):  # someone else's visit
        services.thread_reading_time_record(user=asker, thread=question, token=visit, seconds=10, now=served + 60)
    assert sum(r.properties["seconds"] for r in _reads()) == 600
