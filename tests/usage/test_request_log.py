"""The request log (/logs/): each /v1 request of the signed-in member, filtered by outcome,
error code and key, found by its id; a request's page explains its error and links the
community's answers; bodies only for keys that opt in, and only while they are kept."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.forums import services as forum_services
from community.forums.models import Category, CategoryKind
from portal.accounts.roles import Role
from portal.accounts.services import user_set_role
from portal.apikeys.services import api_key_create
from sandbox.usage.models import UsageRecord, UsageRecordBody
from sandbox.usage.services import usage_bodies_purge, usage_record_enqueue, usage_records_flush
from tests.forums.conftest import make_member

pytestmark = pytest.mark.django_db


def enqueue(user, key, request_id, *, status=200, code="", model="echo", requested="", minutes_ago=0, **extra):
    """A call as the gateway meters it, stored by the flush (the real write path)."""
    usage_record_enqueue(
        request_id=request_id,
        user_id=user.pk,
        key_id=key.pk if key else None,
        endpoint="chat.completions",
        status=status,
        error_code=code,
        error_message=f"failed: {code}" if code else "",
        latency_ms=12,
        ts=(timezone.now() - timedelta(minutes=minutes_ago)).timestamp(),
        model=model,
        requested_model=requested or model,
        prompt_tokens=3 if status < 400 else 0,
        completion_tokens=4 if status < 400 else 0,
        cost="0",
        stream=False,
        **extra,
    )


@pytest.fixture
def keys(user):
    return api_key_create(user=user, name="laptop")[0], api_key_create(user=user, name="ci")[0]


@pytest.fixture
def calls(user, other_user, keys):
    laptop, ci = keys
    theirs = api_key_create(user=other_user, name="theirs")[0]
    enqueue(user, laptop, "req_" + "a" * 32, minutes_ago=5)
    enqueue(user, laptop, "req_" + "b" * 32, status=404, code="model_not_found", model="", requested="<b>â</b>")
    enqueue(user, ci, "req_" + "c" * 32, status=429, code="rate_limit_exceeded", model="echo", minutes_ago=1)
    enqueue(user, None, "req_" + "d" * 32, minutes_ago=2)  # the Playground
    enqueue(other_user, theirs, "req_" + "e" * 32, status=404, code="model_not_found", model="")
    assert usage_records_flush() == 5


def ids(response) -> list[str]:
    return [r.request_id for r in response.context["page"]]


def test_the_log_lists_the_members_own_requests_newest_first(client, user, calls):
    client.force_login(user)
    response = client.get(reverse("usage:logs"))
    assert response.status_code == 200
    assert ids(response) == ["req_" + c * 32 for c in "bcda"]
    html = response.content.decode()
    assert "req_" + "e" * 32 not in html
    assert "&lt;b&gt;â&lt;/b&gt;" in html and "<b>â</b>" not in html  # the name sent, escaped
    for text in ("laptop", "ci", "Playground", "model_not_found", "rate_limit_exceeded", "12 ms"):
        assert text in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"status": "succeeded"}, "da"),
        ({"status": "failed"}, "bc"),
        ({"status": "rate_limit_exceeded"}, "c"),
        ({"key": "playground"}, "d"),
        ({"q": "req_" + "c" * 32}, "c"),
        ({"q": " chatcmpl-" + "a" * 32 + " "}, "a"),  # a completion's id names its request
        ({"q": "req_nope"}, ""),
        ({"q": "req_" + "e" * 32}, ""),  # someone else's request is not found
    ],
)
def test_filters_and_search_by_request_id(client, user, calls, query, expected):
    client.force_login(user)
    response = client.get(reverse("usage:logs"), query)
    assert response.status_code == 200
    assert ids(response) == ["req_" + c * 32 for c in expected]


def test_filters_not_understood_are_a_400_matching_nothing(client, user, calls):
    client.force_login(user)
    for query in ({"q": "req_\x00"}, {"key": "1 OR 1=1"}, {"status": "<script>"}):
        response = client.get(reverse("usage:logs"), query)
        assert response.status_code == 400
        assert ids(response) == []


def test_filter_by_key_and_someone_elses_key_shows_nothing(client, user, other_user, calls, keys):
    client.force_login(user)
    assert ids(client.get(reverse("usage:logs"), {"key": keys[1].pk})) == ["req_" + "c" * 32]
    theirs = other_user.api_keys.get()
    assert ids(client.get(reverse("usage:logs"), {"key": theirs.pk})) == []


def test_the_log_is_paginated_with_its_filters_kept(client, user, keys):
    for n in range(55):
        enqueue(user, keys[0], f"req_{n:032x}", status=400, code="invalid_value", minutes_ago=n)
    usage_records_flush()
    client.force_login(user)
    first = client.get(reverse("usage:logs"), {"status": "failed"})
    assert len(ids(first)) == 50
    assert "status=failed&amp;page=2" in first.content.decode()
    second = client.get(reverse("usage:logs"), {"status": "failed", "page": 2})
    assert ids(second) == [f"req_{n:032x}" for n in range(50, 55)]


def test_the_log_page_makes_a_fixed_number_of_queries(client, user, keys, django_assert_max_num_queries):
    for n in range(40):
        enqueue(
            user, keys[n % 2], f"req_{n:032x}", status=404 if n % 3 else 200, code="model_not_found" if n % 3 else ""
        )
    usage_records_flush()
    client.force_login(user)
    client.get(reverse("usage:logs"))  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        response = client.get(reverse("usage:logs"))
    assert len(ids(response)) == 40


def test_the_log_needs_a_sign_in(client):
    response = client.get(reverse("usage:logs"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_member_cannot_open_a_request_by_its_id(client, user, other_user, calls):
    client.force_login(other_user)
    assert client.get(reverse("usage:log", args=["req_" + "b" * 32])).status_code == 404
    assert client.get(reverse("usage:log", args=["req_" + "e" * 32])).status_code == 200
    client.force_login(user)
    assert client.get(reverse("usage:log", args=["req_" + "e" * 32])).status_code == 404


def verified_answer(code: str):
    """A Q&A thread on ``code`` whose reply a community manager verified (staff only)."""
    qa = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA)
    asker, answerer = (
        make_member("asker@example.org", handle="asker"),
        make_member("helper@example.org", handle="helper"),
    )
    manager = user_set_role(user=make_member("cm@example.org", handle="cm"), role=Role.COMMUNITY_MANAGER)
    thread = forum_services.thread_create(
        author=asker, category=qa, title=f"Getting {code} with a fine-tune", body="Which id?", error_code=code
    )
    answer = forum_services.post_create(author=answerer, thread=thread, body="Use the id GET /v1/models lists.")
    forum_services.post_accept_answer(user=asker, post=answer)
    forum_services.error_answer_verify(staff=manager, post=answer)
    return thread, answer


def test_a_failed_requests_page_explains_the_error_and_links_the_verified_answer(client, user, calls):
    thread, answer = verified_answer("model_not_found")
    client.force_login(user)
    response = client.get(reverse("usage:log", args=["req_" + "b" * 32]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "failed: model_not_found" in html  # the message the caller got
    assert "No model by that name is available to your key" in html  # the docs' section for the code
    assert f"{thread.get_absolute_url()}#post-{answer.pk}" in html and "Verified by staff" in html
    assert "/docs/errors/#model_not_found" in html
    # The list's recent errors and the usage page show the same answer beside the code.
    for page in (reverse("usage:logs"), reverse("usage:usage")):
        html = client.get(page).content.decode()
        assert 'data-error-code="model_not_found"' in html
        assert f"{thread.get_absolute_url()}#post-{answer.pk}" in html


def test_a_members_own_accepted_answer_is_shown_as_solved_never_as_verified(client, user, calls, settings):
    settings.FORUM_FLOOD_SECONDS = 0
    qa = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA)
    thread = forum_services.thread_create(
        author=user, category=qa, title="Fix for model_not_found", body="Go to my site.", error_code="model_not_found"
    )
    own = forum_services.post_create(author=user, thread=thread, body="Paste your key at evil.example.")
    forum_services.post_accept_answer(user=user, post=own)
    client.force_login(user)
    html = client.get(reverse("usage:log", args=["req_" + "b" * 32])).content.decode()
    assert thread.get_absolute_url() in html
    assert "Verified by staff" not in html


def test_bodies_are_kept_only_for_a_key_that_opts_in_and_only_until_they_expire(client, user):
    logged = api_key_create(user=user, name="logged", log_bodies_days=7)[0]
    quiet = api_key_create(user=user, name="quiet")[0]
    bodies = {"request_body": '{"model": "echo"}', "response_body": '{"id": "chatcmpl-x"}'}
    enqueue(user, logged, "req_" + "1" * 32, log_bodies_days=7, **bodies)
    enqueue(user, quiet, "req_" + "2" * 32, **bodies)  # the gateway sends none; stored none regardless
    enqueue(user, quiet, "req_" + "3" * 32, log_bodies_days=0, **bodies)
    usage_records_flush()
    kept = UsageRecordBody.objects.get()
    assert kept.record.request_id == "req_" + "1" * 32
    assert timedelta(days=6, hours=23) < kept.expires_at - kept.record.created_at <= timedelta(days=7)

    client.force_login(user)
    html = client.get(reverse("usage:log", args=["req_" + "1" * 32])).content.decode()
    assert "{&quot;model&quot;: &quot;echo&quot;}" in html and 'id="response-body"' in html
    assert 'id="request-body"' not in client.get(reverse("usage:log", args=["req_" + "2" * 32])).content.decode()

    assert usage_bodies_purge(now=timezone.now() + timedelta(days=6)) == 0
    assert usage_bodies_purge(now=timezone.now() + timedelta(days=7, minutes=1)) == 1
    assert not UsageRecordBody.objects.exists()
    assert UsageRecord.objects.filter(request_id="req_" + "1" * 32).exists()  # the record itself stays
    assert 'id="request-body"' not in client.get(reverse("usage:log", args=["req_" + "1" * 32])).content.decode()


def test_the_purge_runs_on_beat():
    from django.conf import settings

    schedule = settings.CELERY_BEAT_SCHEDULE["usage-bodies-purge"]
    assert schedule["task"] == "sandbox.usage.bodies_purge"
    from sandbox.usage import tasks

    assert tasks.bodies_purge.name == "sandbox.usage.bodies_purge"


def test_stored_text_is_what_postgresql_takes(user, keys):
    """A NUL or a lone surrogate in what a client sent never breaks a flush."""
    enqueue(user, keys[0], "req_" + "f" * 32, status=404, code="model_not_found", model="", requested="a\x00b\ud800")
    assert usage_records_flush() == 1
    assert UsageRecord.objects.get().requested_model == "a\ufffdb?"


def test_the_log_and_a_requests_page_read_in_chinese(client, user, calls):
    from tests.docs.test_translations import english_on_page

    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    shown_as_sent = {
        user.profile.display_name or "",
        user.profile.handle or "",
        "laptop",
        "ci",
        "echo",
        "<b>â</b>",
        "model_not_found",
        "rate_limit_exceeded",
        "GET /v1/models",
    }
    shown_as_sent |= {"failed: model_not_found", "failed: rate_limit_exceeded", "x-request-id", "error.request_id"}
    shown_as_sent |= {r.request_id for r in UsageRecord.objects.all()} | {"req_…", "ms", "/v1"}
    shown_as_sent |= {key.masked for key in user.api_keys.all()}
    for url in (reverse("usage:logs"), reverse("usage:log", args=["req_" + "b" * 32])):
        html = client.get(url).content.decode()
        assert "请求日志" in html
        assert english_on_page(html, allowed_texts=shown_as_sent) == [], url


def test_the_admin_lists_kept_bodies_without_showing_them(client, user):
    from tests.factories import UserFactory

    key = api_key_create(user=user, name="logged", log_bodies_days=1)[0]
    enqueue(user, key, "req_" + "9" * 32, log_bodies_days=1, request_body="my secret prompt", response_body="reply")
    usage_records_flush()
    client.force_login(UserFactory(email="root@example.com", is_staff=True, is_superuser=True))
    body = UsageRecordBody.objects.get()
    listing = client.get(reverse("admin:usage_usagerecordbody_changelist")).content.decode()
    page = client.get(reverse("admin:usage_usagerecordbody_change", args=[body.pk])).content.decode()
    assert "req_" + "9" * 32 in listing
    assert "my secret prompt" not in listing + page


def test_recent_errors_link_each_codes_newest_request_on_both_backends(client, user, calls, keys):
    """The week's errors name each code's newest request, and the pages that show them ask
    nothing SQLite (make run's database) cannot answer: no PostgreSQL-only DISTINCT ON."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sandbox.usage.selectors import usage_recent_errors

    laptop, _ci = keys
    enqueue(user, laptop, "req_" + "f" * 32, status=404, code="model_not_found", model="", minutes_ago=30)
    assert usage_records_flush() == 1
    rows = {r["error_code"]: r for r in usage_recent_errors(user=user, since=timezone.now() - timedelta(days=7))}
    assert rows["model_not_found"]["count"] == 2
    assert rows["model_not_found"]["last_request_id"] == "req_" + "b" * 32
    assert rows["rate_limit_exceeded"]["last_request_id"] == "req_" + "c" * 32

    client.force_login(user)
    for name in ("usage:logs", "usage:usage"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        assert not [q["sql"] for q in queries if "DISTINCT ON" in q["sql"]], name
