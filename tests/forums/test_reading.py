"""Reading: latest/top/unanswered lists with category and tag filters, pagination,
read/unread tracking, and pages whose query count does not grow with their size."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.forums import selectors, services
from community.forums.models import Post, Thread
from portal.markdown import MEMBER
from portal.markdown import render_markdown as _render
from tests.forums.conftest import make_member


def render_markdown(text, **options):
    return _render(text, profile=MEMBER, **options)


pytestmark = pytest.mark.django_db


def _bulk_replies(thread, authors, count):
    html = render_markdown("A reply with `code` and **bold**.").html
    Post.objects.bulk_create(
        [
            Post(
                thread=thread,
                author=authors[n % len(authors)],
                body=f"Reply {n}",
                body_html=html,
                created_at=thread.created_at + timedelta(seconds=n + 1),
            )
            for n in range(count)
        ]
    )
    Thread.objects.filter(pk=thread.pk).update(reply_count=count)


def _bulk_threads(category, authors, count, tags=()):
    threads = Thread.objects.bulk_create(
        [
            Thread(
                category=category,
                author=authors[n % len(authors)],
                title=f"Generated thread number {n}",
                slug=f"generated-{n}",
                last_poster=authors[(n + 1) % len(authors)],
            )
            for n in range(count)
        ]
    )
    for thread in threads:
        thread.tags.set(tags)
    return threads


def test_latest_top_and_unanswered(client, qa, asker, answerer):
    quiet = services.thread_create(
        author=asker, category=qa, title="Nobody answered this one yet", body="Hello? Is anyone there?"
    )
    popular = services.thread_create(
        author=asker, category=qa, title="Everyone loves this question", body="It has many votes."
    )
    services.post_create(author=answerer, thread=popular, body="An answer for the popular one.")
    services.post_vote(user=answerer, post=popular.posts.get(is_first=True))
    Thread.objects.filter(pk=quiet.pk).update(last_activity_at=timezone.now() - timedelta(hours=1))
    latest = client.get(reverse("forums:index")).content.decode()
    assert latest.index("Everyone loves this question") < latest.index("Nobody answered this one yet")
    unanswered = client.get(reverse("forums:index"), {"sort": "unanswered"}).content.decode()
    assert "Nobody answered this one yet" in unanswered and "Everyone loves this question" not in unanswered
    top = client.get(reverse("forums:index"), {"sort": "top", "period": "week"}).content.decode()
    assert top.index("Everyone loves this question") < top.index("Nobody answered this one yet")
    Thread.objects.filter(pk=popular.pk).update(created_at=timezone.now() - timedelta(days=10))
    top_week = client.get(reverse("forums:index"), {"sort": "top", "period": "week"}).content.decode()
    assert "Everyone loves this question" not in top_week
    top_month = client.get(reverse("forums:index"), {"sort": "top", "period": "month"}).content.decode()
    assert "Everyone loves this question" in top_month


def test_category_and_tag_filters(client, categories, tags, asker):
    services.thread_create(
        author=asker,
        category=categories["qa"],
        title="Python streaming question here",
        body="About python.",
        tags=[tags[0]],
    )
    services.thread_create(
        author=asker, category=categories["discussions"], title="A discussion about agents", body="Agents, agents."
    )
    by_category = client.get(reverse("forums:category", kwargs={"slug": "discussions"})).content.decode()
    assert "A discussion about agents" in by_category and "Python streaming question" not in by_category
    by_tag = client.get(reverse("forums:index"), {"tag": "python"}).content.decode()
    assert "Python streaming question" in by_tag and "A discussion about agents" not in by_tag
    assert client.get(reverse("forums:index"), {"tag": "no-such-tag"}).status_code == 404
    assert client.get(reverse("forums:category", kwargs={"slug": "no-such"})).status_code == 404


def test_pagination(client, qa, asker):
    _bulk_threads(qa, [asker], 65)
    first = client.get(reverse("forums:index")).content.decode()
    assert first.count('class="fw-semibold thread-title"') == 30 and "page=3" in first
    third = client.get(reverse("forums:index"), {"page": 3}).content.decode()
    assert third.count('class="fw-semibold thread-title"') == 5
    assert client.get(reverse("forums:index"), {"page": "junk"}).status_code == 200


def test_read_and_unread_tracking(client, question, asker, answerer):
    client.force_login(answerer)
    listing = client.get(reverse("forums:index")).content.decode()
    assert ">New<" in listing
    client.get(question.get_absolute_url())
    listing = client.get(reverse("forums:index")).content.decode()
    assert ">New<" not in listing and "is-read" in listing
    services.post_create(author=asker, thread=question, body="Bumping with more details here.")
    listing = client.get(reverse("forums:index")).content.decode()
    assert ">Updated<" in listing


def test_thread_pages_and_links_to_posts(client, question, asker, answerer):
    _bulk_replies(question, [asker, answerer], 120)
    per_page = selectors.POSTS_PER_PAGE
    page1 = client.get(question.get_absolute_url()).content.decode()
    assert page1.count('class="card mb-3 forum-post') == per_page
    last = Post.objects.filter(thread=question).order_by("-created_at").first()
    last_page = 121 // per_page + 1  # 121 posts: the question and 120 replies
    response = client.get(reverse("forums:post", kwargs={"pk": last.pk}))
    assert response["Location"] == f"{question.get_absolute_url()}?page={last_page}#post-{last.pk}"
    page = client.get(response["Location"].split("#")[0]).content.decode()
    assert f'id="post-{last.pk}"' in page
    assert page.count('class="card mb-3 forum-post') == 121 - per_page * (last_page - 1)


def _count_queries(client, url):
    """Queries of a page rendered from scratch: nothing in the cache (blocks, fragments,
    permission sets, the bell), which is the most a page ever costs."""
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_thread_page_query_count_does_not_grow_with_replies(client, qa, asker, answerer, third, moderator):
    small = services.thread_create(
        author=asker, category=qa, title="A thread with few replies", body="Small thread body."
    )
    big = services.thread_create(
        author=asker, category=qa, title="A thread with hundreds of replies", body="Big thread body."
    )
    _bulk_replies(small, [answerer], 3)
    authors = [answerer, third, moderator] + [make_member(f"m{n}@example.org", handle=f"m{n}") for n in range(20)]
    _bulk_replies(big, authors, 500)
    for viewer in (None, answerer, moderator):
        if viewer:
            client.force_login(viewer)
        small_count = _count_queries(client, small.get_absolute_url())
        big_count = _count_queries(client, big.get_absolute_url())
        assert big_count == small_count, (viewer, small_count, big_count)


def test_thread_page_query_bound(client, question, asker, answerer, django_assert_max_num_queries):
    _bulk_replies(question, [asker, answerer], 500)
    client.force_login(answerer)
    with django_assert_max_num_queries(16):
        assert client.get(question.get_absolute_url() + "?page=5").status_code == 200


def test_topic_list_query_count_does_not_grow(client, qa, tags, asker, answerer, django_assert_max_num_queries):
    _bulk_threads(qa, [asker], 3, tags=tags[:1])
    client.force_login(answerer)
    few = _count_queries(client, reverse("forums:index"))
    many_authors = [make_member(f"w{n}@example.org", handle=f"w{n}") for n in range(10)]
    _bulk_threads(qa, many_authors, 120, tags=tags)
    many = _count_queries(client, reverse("forums:index"))
    assert many == few
    with django_assert_max_num_queries(12):
        client.get(reverse("forums:index") + "?sort=top&period=all&tag=python")


def test_long_lists_stop_paging_at_the_cap(client, qa, asker, monkeypatch):
    from community.forums.views import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "max_pages", 2)
    _bulk_threads(qa, [asker], 65)
    last = client.get(reverse("forums:index"), {"page": 2}).content.decode()
    assert "as far back as this list goes" in last and "page=3" not in last
    assert client.get(reverse("forums:index"), {"page": 9}).status_code == 200  # clamps to the last page


def test_counts_are_pluralised_in_english_and_chinese(client, qa, asker, answerer, third):
    """ "1 reply" and "1 vote", "2 replies" and "2 votes" (never "1 replies"); in Chinese, its one form."""
    one = services.thread_create(author=asker, category=qa, title="A thread with one reply", body="One reply here.")
    services.post_create(author=answerer, thread=one, body="The only reply to it.")
    services.post_vote(user=answerer, post=one.posts.get(is_first=True))
    two = services.thread_create(author=asker, category=qa, title="A thread with two replies", body="Two replies.")
    services.post_create(author=answerer, thread=two, body="The first of the two.")
    services.post_create(author=third, thread=two, body="The second of the two.")
    for voter in (answerer, third):
        services.post_vote(user=voter, post=two.posts.get(is_first=True))

    def rows(html):
        return {
            title: html.split(title)[0].rsplit('<li class="list-group-item', 1)[1] for title in (one.title, two.title)
        }

    english = rows(client.get(reverse("forums:index")).content.decode())
    assert "1 reply<" in english[one.title] and "1</strong> vote<" in english[one.title]
    assert "2 replies<" in english[two.title] and "2</strong> votes<" in english[two.title]
    assert "1 replies" not in english[one.title] and "1</strong> votes" not in english[one.title]

    client.cookies["django_language"] = "zh-hans"
    chinese = rows(client.get(reverse("forums:index")).content.decode())
    assert "1 条回复" in chinese[one.title] and "2 条回复" in chinese[two.title]
    assert "1</strong> 票" in chinese[one.title]
