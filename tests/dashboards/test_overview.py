import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from community.forums.models import Category, CategoryKind, Post, Thread
from portal.apikeys.services import api_key_create
from sandbox.usage.models import UsageRecord
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def usage(user, *, status=200, latency=100, tokens=(5, 7), request_id=None):
    return UsageRecord.objects.create(
        request_id=request_id or f"req_{user.pk}_{status}_{latency}",
        user=user,
        model_id="echo",
        endpoint=UsageRecord.Endpoint.CHAT,
        status_code=status,
        prompt_tokens=tokens[0],
        completion_tokens=tokens[1],
        latency_ms=latency,
        created_at=timezone.now(),
    )


def post_question(author, category, title="How do I stream?"):
    thread = Thread.objects.create(category=category, author=author, title=title)
    Post.objects.create(thread=thread, author=author, is_first=True, body="Question body")
    return thread


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("dashboards:overview"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_developers_are_refused(client, user):
    client.force_login(user)
    assert client.get(reverse("dashboards:overview")).status_code == 403


def test_managers_see_the_activation_funnel_and_usage(client, staff_user):
    """Sign-ups, the funnel's steps and API usage count what happened in the window."""
    verified = UserFactory(email="verified@example.com")
    caller = UserFactory(email="caller@example.com")
    UserFactory(email="unverified@example.com", verified=False)
    api_key_create(user=caller, name="ci")
    usage(caller, latency=120)
    usage(caller, status=429, latency=5)
    category = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA)
    post_question(verified, category)

    client.force_login(staff_user)
    response = client.get(reverse("dashboards:overview"), {"days": 7})
    assert response.status_code == 200
    funnel = {step["key"]: step["count"] for step in response.context["funnel"]}
    # staff_user, verified, caller, unverified
    assert funnel == {"signed_up": 4, "verified": 3, "created_key": 1, "first_call": 1, "posted": 1}
    api = response.context["api"]
    assert api["requests"] == 2 and api["errors"] == 1 and api["error_percent"] == 50.0
    assert api["tokens"] == 24
    assert api["latency_p95_ms"] == 120
    assert response.context["forum"]["threads"] == 1
    assert response.context["forum"]["questions"] == 1


def test_retention_counts_a_cohort_active_in_its_first_week(client, staff_user):
    active = UserFactory(email="active@example.com")
    UserFactory(email="idle@example.com")
    usage(active)
    client.force_login(staff_user)
    rows = client.get(reverse("dashboards:overview")).context["retention"]["rows"]
    this_week = rows[-1]
    assert this_week["size"] == 3  # staff_user, active, idle
    assert this_week["cells"] == [pytest.approx(33.3)]


def test_unanswered_queue_counts_threads_older_than_a_day(client, staff_user, user):
    category = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA)
    old = post_question(user, category, "Old question")
    Thread.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=30))
    post_question(user, category, "Fresh question")
    client.force_login(staff_user)
    assert client.get(reverse("dashboards:overview")).context["forum"]["unanswered_over_24h"] == 1


def test_the_page_query_count_does_not_grow_with_data(client, staff_user, django_assert_max_num_queries):
    category = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA)
    for i in range(15):
        member = UserFactory(email=f"member{i}@example.com")
        usage(member, request_id=f"req_{i}")
        post_question(member, category, f"Question {i}")
    client.force_login(staff_user)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("dashboards:overview"))
    assert response.status_code == 200
    assert b'data-metric="requests">15<' in response.content


def test_median_first_response_counts_real_responses_and_shows_the_unanswered(client, staff_user, settings):
    """The median is taken over replies by someone other than the asker that are still
    visible (an author's own follow-up, or a reply hidden later, answers nobody), and beside
    it the page says how many of the window's threads still have no response after 24 h,
    instead of "0.0 h" next to a pile of unanswered threads."""
    from community.forums import services
    from tests.support.trust import setting_set

    settings.FORUM_FLOOD_SECONDS = 0
    setting_set("new.posts_per_hour", 0)  # no limit: the members here post a lot in a test
    asker = UserFactory(email="asker@example.com")
    helper = UserFactory(email="helper@example.com")
    moderator = UserFactory(email="moderator@example.com", is_superuser=True, is_staff=True)
    qa = Category.objects.create(name="Q&A", slug="qa", kind=CategoryKind.QA)
    news = Category.objects.create(name="News", slug="news", kind=CategoryKind.ANNOUNCEMENT)
    now = timezone.now()

    def thread(title, hours_ago, replies=()):
        """A thread asked `hours_ago`, with (author, minutes after the question) replies."""
        created = now - dt.timedelta(hours=hours_ago)
        t = services.thread_create(author=asker, category=qa, title=title, body=f"{title}, asked in full.")
        posts = [
            services.post_create(author=who, thread=t, body=f"Reply {n} to {title}")
            for n, (who, _m) in enumerate(replies)
        ]
        Thread.objects.filter(pk=t.pk).update(created_at=created)
        Post.objects.filter(thread=t, is_first=True).update(created_at=created)
        for post, (_who, minutes) in zip(posts, replies, strict=True):
            Post.objects.filter(pk=post.pk).update(created_at=created + dt.timedelta(minutes=minutes))
        return t, posts

    thread("Answered after two hours", 30, [(asker, 1), (helper, 120)])  # the asker's bump is no response
    thread("Answered after one hour", 10, [(helper, 60)])
    thread("Only the asker bumped it", 50, [(asker, 1)])
    _t, (spam,) = thread("Only a reply hidden later", 40, [(helper, 5)])
    services.post_hide(moderator=moderator, post=spam, reason="spam")
    thread("Asked an hour ago", 1)
    services.thread_create(author=staff_user, category=news, title="Announcement nobody answers", body="News, news.")

    client.force_login(staff_user)
    response = client.get(reverse("dashboards:overview"), {"days": 7})
    forum = response.context["forum"]
    assert forum["median_first_response"] == dt.timedelta(minutes=90)  # of 120 and 60 minutes
    assert forum["median_first_response_hours"] == 1.5
    assert forum["answered"] == 2 and forum["awaiting_response"] == 3 and forum["awaiting_over_24h"] == 2
    assert forum["unanswered_over_24h"] == 2  # the managers' queue agrees
    html = response.content.decode().replace("\xa0", " ")  # durations keep their words together
    assert "Median time to first response: 1 hour, 30 minutes (over the 2 threads answered in this window)" in html
    assert "2 threads from this window still without a response after 24 h" in html
