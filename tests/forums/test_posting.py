"""Starting threads, replying, editing with visible history, soft delete, images, quotes."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from community.forums import services
from community.forums.models import Post, PostRevision, Thread

pytestmark = pytest.mark.django_db


def _png(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_member_starts_a_thread_through_the_form(client, asker, qa, tags):
    client.force_login(asker)
    response = client.post(
        reverse("forums:thread_create"),
        {
            "category": qa.pk,
            "title": "Why does my fine-tune stop at step 50?",
            "body": "The job log says `checkpoint saved` and then nothing.",
            "tags": [tags[2].pk],
            "error_code": "context_length_exceeded",
        },
    )
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    assert thread.author == asker and list(thread.tags.all()) == [tags[2]]
    assert thread.error_code == "context_length_exceeded"
    first = thread.posts.get()
    assert first.is_first and "<code>checkpoint saved</code>" in first.body_html
    page = client.get(thread.get_absolute_url())
    assert b"Why does my fine-tune stop at step 50?" in page.content


def test_invalid_thread_form_keeps_what_was_typed(client, asker, qa):
    client.force_login(asker)
    response = client.post(
        reverse("forums:thread_create"), {"category": qa.pk, "title": "short", "body": "A body long enough to keep"}
    )
    assert response.status_code == 400
    assert b"A body long enough to keep" in response.content
    assert b"at least 10 characters" in response.content
    assert Thread.objects.count() == 0


def test_only_staff_start_announcements(client, asker, staff, categories):
    announcements = categories["announcements"]
    client.force_login(asker)
    response = client.post(
        reverse("forums:thread_create"),
        {"category": announcements.pk, "title": "Everyone look at my thing", "body": "Not an announcement."},
    )
    assert response.status_code == 400 and Thread.objects.count() == 0
    thread = services.thread_create(
        author=staff,
        category=announcements,
        title="Scheduled maintenance on Friday",
        body="The API is read-only from 02:00 to 03:00 UTC.",
    )
    # ...and everyone may reply.
    reply = services.post_create(author=asker, thread=thread, body="Thanks for the notice!")
    assert reply.thread == thread


def test_reply_updates_counters_and_first_response(question, answerer, asker):
    assert question.first_response_at is None
    services.post_create(author=asker, thread=question, body="Any idea, anyone? Still stuck.")
    question.refresh_from_db()
    assert question.reply_count == 1 and question.first_response_at is None  # the asker is not a response
    post = services.post_create(author=answerer, thread=question, body="Set `stream=True` and iterate.")
    question.refresh_from_db()
    assert question.reply_count == 2 and question.first_response_at == post.created_at
    assert question.last_poster == answerer and question.time_to_first_response is not None


def test_reply_through_the_page_and_invalid_reply(client, question, answerer):
    client.force_login(answerer)
    response = client.post(reverse("forums:reply", kwargs={"pk": question.pk}), {"body": "Use the `stream` flag."})
    post = Post.objects.get(is_first=False)
    assert response.status_code == 302 and response["Location"] == reverse("forums:post", kwargs={"pk": post.pk})
    response = client.post(reverse("forums:reply", kwargs={"pk": question.pk}), {"body": " "})
    assert response.status_code == 400 and Post.objects.count() == 2


def test_edit_keeps_visible_history(client, question, asker):
    first = question.posts.get()
    client.force_login(asker)
    response = client.post(
        reverse("forums:post_edit", kwargs={"pk": first.pk}),
        {"title": "How do I stream chat completions in Python?", "body": "Edited: I use `stream=True`."},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    question.refresh_from_db()
    assert first.edit_count == 1 and first.edited_at and "Edited" in first.body
    assert question.title == "How do I stream chat completions in Python?"
    revision = PostRevision.objects.get()
    assert revision.title == "How do I stream completions in Python?" and "one chunk" in revision.body
    history = client.get(reverse("forums:post_history", kwargs={"pk": first.pk}))
    assert b"one chunk" in history.content and b"Edited: I use" in history.content
    page = client.get(question.get_absolute_url())
    assert b"edited" in page.content


def test_members_cannot_edit_or_delete_others_posts(client, question, answer, asker, third):
    client.force_login(third)
    assert client.get(reverse("forums:post_edit", kwargs={"pk": answer.pk})).status_code == 403
    assert client.post(reverse("forums:post_edit", kwargs={"pk": answer.pk}), {"body": "vandalised"}).status_code == 403
    assert client.post(reverse("forums:post_delete", kwargs={"pk": answer.pk})).status_code == 403
    answer.refresh_from_db()
    assert "vandalised" not in answer.body and not answer.is_deleted


def test_soft_delete_keeps_the_row_and_shows_a_placeholder(client, question, answer, answerer):
    client.force_login(answerer)
    response = client.post(reverse("forums:post_delete", kwargs={"pk": answer.pk}))
    assert response.status_code == 302
    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.is_deleted and Post.objects.filter(pk=answer.pk).exists()
    assert question.reply_count == 0
    page = client.get(question.get_absolute_url()).content.decode()
    assert "This post was deleted." in page and "Iterate over the response" not in page


def test_deleting_the_first_post_removes_the_thread_from_lists(client, question, asker):
    services.post_delete(actor=asker, post=question.posts.get(is_first=True))
    assert client.get(question.get_absolute_url()).status_code == 404
    assert question.title.encode() not in client.get(reverse("forums:index")).content


def test_locked_thread_refuses_replies(client, question, answerer, moderator):
    services.thread_set_locked(moderator=moderator, thread=question, locked=True)
    client.force_login(answerer)
    response = client.post(reverse("forums:reply", kwargs={"pk": question.pk}), {"body": "late reply"})
    assert response.status_code == 403
    assert b"locked" in client.get(question.get_absolute_url()).content


def test_image_upload_is_checked_and_embedded(client, question, answerer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(answerer)
    image = SimpleUploadedFile("shot.png", _png(), content_type="image/png")
    response = client.post(
        reverse("forums:reply", kwargs={"pk": question.pk}), {"body": "Here is my screen", "image": image}
    )
    assert response.status_code == 302
    post = Post.objects.get(is_first=False)
    assert '<img alt="image" src="/media/forums/' in post.body_html


def test_non_images_and_oversized_images_are_refused(client, question, answerer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.FORUM_IMAGE_MAX_BYTES = 1000
    client.force_login(answerer)
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post(reverse("forums:reply", kwargs={"pk": question.pk}), {"body": "look", "image": fake})
    assert response.status_code == 400 and b"look" in response.content
    big = SimpleUploadedFile("big.png", _png((600, 600)) + b"\0" * 2000, content_type="image/png")
    response = client.post(reverse("forums:reply", kwargs={"pk": question.pk}), {"body": "look again", "image": big})
    assert response.status_code == 400 and b"at most" in response.content
    assert Post.objects.filter(is_first=False).count() == 0


def test_quote_prefills_the_reply_box(client, question, answer, asker):
    client.force_login(asker)
    page = client.get(question.get_absolute_url() + f"?quote={answer.pk}").content.decode()
    assert "&gt; @grace wrote:" in page and "&gt; Iterate over the response:" in page


def test_similar_questions_while_typing(client, question):
    response = client.get(reverse("forums:similar"), {"title": "stream completions python"})
    assert response.status_code == 200 and question.title.encode() in response.content
    assert client.get(reverse("forums:similar"), {"title": "zzzzzzzzz qqqqqq"}).content.strip() == b""


def test_posts_survive_account_deletion_as_deleted_user(client, question, answer, answerer):
    answerer.delete()
    answer.refresh_from_db()
    assert answer.author is None
    page = client.get(question.get_absolute_url()).content.decode()
    assert "deleted user" in page and "Iterate over the response" in page


def test_preview_button_works_without_javascript_and_saves_nothing(client, question, answer, asker, answerer, qa):
    client.force_login(answerer)
    body = "Looks **bold** here <script>alert(1)</script>"
    response = client.post(reverse("forums:reply", kwargs={"pk": question.pk}), {"body": body, "preview": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and "<strong>bold</strong>" in page and "<script>alert" not in page
    assert "Looks **bold** here" in page  # the text stays in the box
    response = client.post(reverse("forums:post_edit", kwargs={"pk": answer.pk}), {"body": body, "preview": "1"})
    assert response.status_code == 200 and "<strong>bold</strong>" in response.content.decode()
    client.force_login(asker)
    response = client.post(
        reverse("forums:thread_create"),
        {"category": qa.pk, "title": "A previewed question title", "body": body, "preview": "1"},
    )
    assert response.status_code == 200 and "<strong>bold</strong>" in response.content.decode()
    answer.refresh_from_db()
    assert Post.objects.count() == 2 and "bold" not in answer.body


@pytest.mark.parametrize("body", ["   ", "\n\n\t \n", "\u00a0\u00a0\u00a0"])
def test_a_whitespace_only_body_is_called_empty(client, question, answerer, asker, qa, body):
    """Only spaces is an empty message, not "at least 10 characters (it has 3)"."""
    client.force_login(answerer)
    reply = client.post(reverse("forums:reply", kwargs={"pk": question.pk}), {"body": body})
    assert reply.status_code == 400
    html = reply.content.decode()
    assert "The message is empty" in html and "it has" not in html and "at least" not in html
    client.force_login(asker)
    new = client.post(
        reverse("forums:thread_create"), {"category": qa.pk, "title": "A title long enough", "body": body}
    )
    assert new.status_code == 400 and "The message is empty" in new.content.decode()
    assert question.posts.count() == 1 and Thread.objects.count() == 1


def test_body_length_is_counted_without_surrounding_whitespace(client, asker, qa):
    client.force_login(asker)
    short = client.post(
        reverse("forums:thread_create"),
        {"category": qa.pk, "title": "A title long enough", "body": "  hi there       "},
    )
    assert short.status_code == 400
    assert "Write at least 10 characters (yours has 8)." in short.content.decode()
    indented = "    code = 1  # indented"
    ok = client.post(
        reverse("forums:thread_create"), {"category": qa.pk, "title": "A title long enough", "body": indented}
    )
    assert ok.status_code == 302
    assert Post.objects.get().body == indented  # kept as written: leading spaces make a code block
