"""Posts and topic-list rows are cached as rendered HTML; every change shows at once and
each reader still sees their own controls."""

import pytest
from django.test import Client
from django.urls import reverse

from community.forums import services
from community.forums.fragments import csrf_placeholder, marker_tag
from community.forums.models import Thread

pytestmark = pytest.mark.django_db


def _page(client, thread):
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert csrf_placeholder() not in html and marker_tag() not in html
    return html


def _warm(client, thread):
    """Render twice so the second page comes from the fragment cache."""
    _page(client, thread)
    return _page(client, thread)


def test_edits_show_at_once(client, question, answer, answerer):
    client.force_login(answerer)
    assert "Iterate over the response" in _warm(client, question)
    services.post_edit(editor=answerer, post=answer, body="Loop over the stream object and print each chunk.")
    html = _page(client, question)
    assert "Loop over the stream object" in html
    assert "Iterate over the response" not in html
    assert reverse("forums:post_history", kwargs={"pk": answer.pk}) in html


def test_votes_and_accepts_show_at_once(client, question, answer, asker, third):
    client.force_login(asker)
    html = _warm(client, question)
    assert 'class="vote-score" aria-label="score">0<' in html
    assert "Accepted answer" not in html
    services.post_vote(user=third, post=answer)
    assert 'class="vote-score" aria-label="score">1<' in _page(client, question)
    services.post_vote(user=asker, post=answer)
    html = _page(client, question)
    assert 'class="vote-score" aria-label="score">2<' in html
    assert 'aria-pressed="true"' in html
    services.post_accept_answer(user=asker, post=answer)
    html = _page(client, question)
    assert "Accepted answer" in html
    assert "Unaccept" in html


def test_hides_restores_and_deletes_show_at_once(question, answer, answerer, moderator):
    anonymous, moderating = Client(), Client()
    moderating.force_login(moderator)
    _warm(anonymous, question)
    _warm(moderating, question)
    services.post_hide(moderator=moderator, post=answer, reason="off topic")
    assert "This post was hidden by a moderator." in _page(anonymous, question)
    html = _page(moderating, question)
    assert "off topic" in html
    assert "Restore" in html
    services.post_restore(moderator=moderator, post=answer)
    assert "Iterate over the response" in _page(anonymous, question)
    services.post_delete(actor=answerer, post=answer)
    assert "This post was deleted." in _page(anonymous, question)


def test_each_reader_sees_their_own_controls(question, answer, asker, answerer, third):
    readers = {"anonymous": Client(), "author": Client(), "other": Client()}
    readers["author"].force_login(answerer)
    readers["other"].force_login(third)
    for client in readers.values():
        _warm(client, question)
    edit_url = reverse("forums:post_edit", kwargs={"pk": answer.pk})
    flag_url = reverse("forums:post_flag", kwargs={"pk": answer.pk})
    anonymous = _page(readers["anonymous"], question)
    author = _page(readers["author"], question)
    other = _page(readers["other"], question)
    assert edit_url not in anonymous and flag_url not in anonymous
    assert edit_url in author and flag_url not in author
    assert edit_url not in other and flag_url in other


def test_cached_forms_carry_the_readers_csrf_token(question, answer, third):
    client = Client(enforce_csrf_checks=True)
    client.force_login(third)
    html = _warm(client, question)
    token = html.split('name="csrfmiddlewaretoken" value="', 2)[2].split('"', 1)[0]
    assert token
    response = client.post(reverse("forums:post_vote", kwargs={"pk": answer.pk}), {"csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    assert 'class="vote-score" aria-label="score">1<' in _page(client, question)


def test_topic_list_rows_follow_replies_titles_and_reads(client, question, answer, asker, third):
    client.force_login(asker)
    index = reverse("forums:index")
    client.get(question.get_absolute_url())
    client.get(index)
    html = client.get(index).content.decode()
    assert "1 reply<" in html
    services.post_create(author=third, thread=question, body="Same here, any news on this one?")
    html = client.get(index).content.decode()
    assert "2 replies" in html
    assert "Updated" in html
    client.get(question.get_absolute_url())  # reading it clears the marker
    assert "Updated" not in client.get(index).content.decode()
    first = question.posts.get(is_first=True)
    services.post_edit(editor=asker, post=first, body=first.body, title="Streaming completions in Python")
    assert "Streaming completions in Python" in client.get(index).content.decode()
    Thread.objects.filter(pk=question.pk).update(is_locked=True)
    assert "Locked" in client.get(index).content.decode()
