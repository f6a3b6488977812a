"""Q&A: upvotes (no self-votes, one per member), accepting an answer (asker or staff),
accepted answers shown first, the staff badge, ideas with a status and a staff reply."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community.forums import services
from community.forums.models import IdeaStatus, Vote

pytestmark = pytest.mark.django_db


def test_members_upvote_once_and_can_take_it_back(client, answer, asker, third):
    client.force_login(asker)
    url = reverse("forums:post_vote", kwargs={"pk": answer.pk})
    assert client.post(url).status_code == 302
    answer.refresh_from_db()
    assert answer.score == 1
    services.post_vote(user=third, post=answer)
    answer.refresh_from_db()
    assert answer.score == 2 and Vote.objects.count() == 2
    client.post(url)  # the same member again: their vote is withdrawn, never doubled
    answer.refresh_from_db()
    assert answer.score == 1 and Vote.objects.filter(user=asker).count() == 0


def test_no_self_votes(client, answer, answerer):
    client.force_login(answerer)
    response = client.post(reverse("forums:post_vote", kwargs={"pk": answer.pk}), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"cannot vote on your own post" in response.content
    answer.refresh_from_db()
    assert answer.score == 0 and not Vote.objects.exists()
    with pytest.raises(ValidationError):
        services.post_vote(user=answerer, post=answer)


def test_question_votes_count_on_the_thread(question, answerer):
    services.post_vote(user=answerer, post=question.posts.get(is_first=True))
    question.refresh_from_db()
    assert question.score == 1


def test_votes_are_not_offered_in_discussions(categories, asker, answerer):
    thread = services.thread_create(
        author=asker,
        category=categories["discussions"],
        title="What are you building?",
        body="Tell us about your projects.",
    )
    with pytest.raises(ValidationError):
        services.post_vote(user=answerer, post=thread.posts.get())


def test_htmx_vote_returns_the_fragment(client, answer, asker):
    client.force_login(asker)
    response = client.post(reverse("forums:post_vote", kwargs={"pk": answer.pk}), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'class="vote-score"' in response.content and b">1<" in response.content
    assert b"<html" not in response.content


def test_asker_accepts_an_answer_and_it_is_shown_first(client, question, answer, asker, third):
    later = services.post_create(author=third, thread=question, body="Another answer that came later.")
    services.post_vote(user=asker, post=later)
    client.force_login(asker)
    response = client.post(reverse("forums:post_accept", kwargs={"pk": later.pk}))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.accepted_answer == later
    page = client.get(question.get_absolute_url()).content.decode()
    # Question first, then the accepted answer, then the rest.
    assert (
        page.index(f'id="post-{question.posts.get(is_first=True).pk}"')
        < page.index(f'id="post-{later.pk}"')
        < page.index(f'id="post-{answer.pk}"')
    )
    assert "Accepted answer" in page and "Solved" in page
    # Accepting again un-accepts.
    client.post(reverse("forums:post_accept", kwargs={"pk": later.pk}))
    question.refresh_from_db()
    assert question.accepted_answer is None


def test_only_the_asker_or_staff_accept(client, question, answer, third, staff):
    client.force_login(third)
    assert client.post(reverse("forums:post_accept", kwargs={"pk": answer.pk})).status_code == 403
    question.refresh_from_db()
    assert question.accepted_answer is None
    services.post_accept_answer(user=staff, post=answer)
    question.refresh_from_db()
    assert question.accepted_answer == answer


def test_the_question_itself_cannot_be_accepted(question, asker):
    with pytest.raises(ValidationError):
        services.post_accept_answer(user=asker, post=question.posts.get(is_first=True))


def test_accepting_is_only_for_qa(categories, asker, answerer):
    thread = services.thread_create(
        author=asker,
        category=categories["discussions"],
        title="Thoughts on LoRA rank?",
        body="Which rank works for you?",
    )
    reply = services.post_create(author=answerer, thread=thread, body="Rank 8 is plenty for me.")
    with pytest.raises(PermissionDenied):
        services.post_accept_answer(user=asker, post=reply)


def test_staff_replies_carry_the_official_badge(client, question, staff, moderator):
    services.post_create(author=staff, thread=question, body="Official answer from the team.")
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Official reply from the Atrium team" in page


def test_ideas_get_votes_and_a_status_with_a_staff_reply(client, categories, asker, answerer, staff, moderator):
    idea = services.thread_create(
        author=asker,
        category=categories["ideas"],
        title="Per-key spending limits please",
        body="Cap monthly spend per API key.",
    )
    services.post_vote(user=answerer, post=idea.posts.get())
    # A plain member cannot set a status.
    client.force_login(answerer)
    response = client.post(reverse("forums:idea_status", kwargs={"pk": idea.pk}), {"status": "planned", "reply": "yes"})
    assert response.status_code == 403
    client.force_login(moderator)
    response = client.post(
        reverse("forums:idea_status", kwargs={"pk": idea.pk}),
        {"status": "planned", "reply": "We will ship this next quarter."},
    )
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.idea_status == IdeaStatus.PLANNED and idea.score == 1
    reply = idea.posts.get(is_first=False)
    assert reply.is_staff_reply and "Planned" in reply.body_html
    assert b"Planned" in client.get(reverse("forums:category", kwargs={"slug": "ideas"})).content


def test_signed_out_readers_are_invited_to_log_in_to_vote(client, question, answer):
    """No disabled Upvote buttons for readers who are not signed in: a link to log in that
    brings them back to the post."""
    html = client.get(question.get_absolute_url()).content.decode()
    assert "You cannot vote" not in html and "disabled title=" not in html
    assert html.count("Log in to vote") == 2  # the question and the answer
    login = reverse("account_login")
    assert f'href="{login}?next={answer.get_absolute_url()}"' in html
    assert (
        'class="vote-score"' in html and f'action="{reverse("forums:post_vote", kwargs={"pk": answer.pk})}"' not in html
    )
    follow = client.get(f"{login}?next={answer.get_absolute_url()}")
    assert follow.status_code == 200


def test_signed_in_readers_vote_and_see_why_not_on_their_own_post(client, question, answer, answerer, third):
    client.force_login(third)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "Log in to vote" not in html and "disabled title=" not in html
    client.force_login(answerer)
    html = client.get(question.get_absolute_url()).content.decode()
    # Her answer's upvote and downvote buttons, not the question's.
    assert html.count('disabled title="You cannot vote for your own post"') == 2
