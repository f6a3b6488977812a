"""A member's profile shows what they did in the forums (the section the forums register
with the accounts app): their threads, replies and accepted answers, counted and linked,
never anything the viewer may not see."""

import pytest
from django.test import Client
from django.urls import reverse

from community.forums import services

pytestmark = pytest.mark.django_db


def profile_html(client, user) -> str:
    response = client.get(reverse("accounts:profile", args=[user.profile.handle]))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str) -> str:
    return html.split('id="forum-activity-heading"')[1].split("</section>")[0]


def test_profile_counts_and_links_threads_replies_and_accepted_answers(client, qa, question, answer, asker, answerer):
    services.post_accept_answer(user=asker, post=answer)
    other = services.thread_create(
        author=asker, category=qa, title="Which model is best for embeddings?", body="Comparing the two we host."
    )
    reply = services.post_create(author=answerer, thread=other, body="The MiniLM one, for most uses.")

    grace = section(profile_html(client, answerer))
    assert "<strong>0</strong> threads" in grace
    assert "<strong>2</strong> replies" in grace
    assert "<strong>1</strong> accepted answer<" in grace  # singular
    replies = grace.split('id="profile-replies"')[1].split("</ul>")[0]
    assert f'href="{reply.get_absolute_url()}"' in replies and f'href="{answer.get_absolute_url()}"' in replies
    assert replies.index(reply.get_absolute_url()) < replies.index(answer.get_absolute_url())  # newest first
    accepted = grace.split('id="profile-accepted"')[1].split("</ul>")[0]
    assert f'href="{answer.get_absolute_url()}"' in accepted and reply.get_absolute_url() not in accepted
    assert "How do I stream completions in Python?" in accepted

    ada = section(profile_html(client, asker))
    assert "<strong>2</strong> threads" in ada and "<strong>0</strong> replies" in ada
    threads = ada.split('id="profile-threads"')[1].split("</ul>")[0]
    assert f'href="{question.get_absolute_url()}"' in threads and f'href="{other.get_absolute_url()}"' in threads
    assert "· 1 reply ·" in threads and "Solved" in threads


def test_profile_hides_what_the_viewer_may_not_see(client, qa, question, answer, asker, answerer, third, moderator):
    """Hidden posts and threads show to moderators only; deleted ones to nobody."""
    hidden_thread = services.thread_create(
        author=answerer, category=qa, title="A thread moderators hid later", body="Spam spam spam spam."
    )
    services.post_hide(moderator=moderator, post=hidden_thread.posts.get(), reason="spam")
    hidden_reply = services.post_create(author=answerer, thread=question, body="A reply that gets hidden.")
    services.post_hide(moderator=moderator, post=hidden_reply, reason="rude")
    deleted = services.post_create(author=answerer, thread=question, body="A reply its author deleted.")
    services.post_delete(actor=answerer, post=deleted)

    for viewer in (None, third, answerer):
        reader = Client()
        if viewer:
            reader.force_login(viewer)
        html = section(profile_html(reader, answerer))
        assert "<strong>0</strong> threads" in html and "<strong>1</strong> reply<" in html, viewer
        assert hidden_thread.get_absolute_url() not in html and hidden_reply.get_absolute_url() not in html
        assert deleted.get_absolute_url() not in html

    client.force_login(moderator)
    html = section(profile_html(client, answerer))
    assert "<strong>1</strong> thread<" in html and "<strong>2</strong> replies" in html
    assert hidden_thread.get_absolute_url() in html and hidden_reply.get_absolute_url() in html
    assert deleted.get_absolute_url() not in html


def test_profile_without_posts_shows_no_section_to_others_and_an_invitation_to_its_owner(client, asker):
    assert "forum-activity-heading" not in profile_html(client, asker)
    client.force_login(asker)
    html = section(profile_html(client, asker))
    assert f'href="{reverse("forums:index")}"' in html and "Ask or answer in the community" in html


def test_profile_page_queries_do_not_grow_with_posts(client, qa, asker, answerer, django_assert_max_num_queries):
    """Counts in one query, each recent list in one: the page costs the same for 2 posts or 30."""

    def write(first, last):
        for i in range(first, last):
            thread = services.thread_create(
                author=answerer, category=qa, title=f"Question number {i} from grace", body=f"Body of question {i}."
            )
            reply = services.post_create(author=asker, thread=thread, body=f"An answer to question {i}.")
            services.post_accept_answer(user=answerer, post=reply)

    write(0, 1)
    # The member's own view, which is never shared (visitors share one rendering for a minute:
    # tests/accounts/test_profile.py): the profile, the forum counts, three recent lists; the
    # rewards section's reputation; the trust level and the member's progress; the badges
    # section's badges and honors; the recipes section.
    client.force_login(asker)
    with django_assert_max_num_queries(16) as few:
        profile_html(client, asker)
    write(1, 16)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = profile_html(client, asker)
    assert "<strong>16</strong> accepted answers" in html


def test_profile_lists_top_answers_by_score(client, qa, question, answer, asker, answerer, third, moderator):
    """Answers others upvoted, best first (as Stack Overflow's profile shows them); an answer
    nobody upvoted is not a top answer, and a member with none gets no list."""
    other = services.thread_create(author=third, category=qa, title="Why does my key say 401?", body="It is new.")
    better = services.post_create(author=answerer, thread=other, body="Check the Authorization header format.")
    unvoted = services.post_create(author=answerer, thread=question, body="Another thought, nobody voted on it.")
    for voter in (asker, third, moderator):
        services.post_vote(user=voter, post=better)
    services.post_vote(user=asker, post=answer)

    grace = section(profile_html(client, answerer))
    top = grace.split('id="profile-top-answers"')[1].split("</ul>")[0]
    assert top.index(better.get_absolute_url()) < top.index(answer.get_absolute_url())
    assert unvoted.get_absolute_url() not in top
    assert "Why does my key say 401?" in top
    assert 'id="profile-top-answers"' not in section(profile_html(client, third))
