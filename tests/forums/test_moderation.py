"""Moderation: flags queue, hide/restore, lock, pin, move, merge, suspend; every action
is logged; members without the permissions get 403, and other people's hidden things 404."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from community.forums import services
from community.forums.models import Flag, FlagStatus, ModerationAction, ModerationActionKind, Post, Thread
from tests.support.activity import deliver

pytestmark = pytest.mark.django_db


def test_flag_goes_to_the_queue_and_hiding_resolves_it(client, answer, asker, third, moderator):
    client.force_login(asker)
    response = client.post(reverse("forums:post_flag", kwargs={"pk": answer.pk}), {"reason": "spam"})
    assert response.status_code == 302
    services.post_flag(reporter=third, post=answer, reason="abusive", note="Rude")
    # A second flag from the same member is refused with a message, not a crash.
    response = client.post(reverse("forums:post_flag", kwargs={"pk": answer.pk}), {"reason": "spam"})
    assert response.status_code == 400 and b"already flagged" in response.content

    client.force_login(moderator)
    queue = client.get(reverse("forums:mod_flags")).content.decode()
    assert "2 open flags" in queue and "Rude" in queue
    response = client.post(
        reverse("forums:post_moderate", kwargs={"pk": answer.pk, "action": "hide"}),
        {"reason": "Spam link", "next": reverse("forums:mod_flags")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("forums:mod_flags")
    answer.refresh_from_db()
    assert answer.is_hidden and answer.hidden_reason == "Spam link"
    assert set(Flag.objects.values_list("status", flat=True)) == {FlagStatus.ACTIONED}
    assert ModerationAction.objects.filter(kind=ModerationActionKind.HIDE, post=answer, actor=moderator).exists()


def test_flag_other_needs_a_note(client, answer, asker):
    client.force_login(asker)
    response = client.post(reverse("forums:post_flag", kwargs={"pk": answer.pk}), {"reason": "other"})
    assert response.status_code == 400 and not Flag.objects.exists()


def test_hidden_posts_show_a_placeholder_to_members_and_content_to_moderators(
    client, question, answer, moderator, third
):
    services.post_hide(moderator=moderator, post=answer, reason="off-topic")
    client.force_login(third)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "hidden by a moderator" in page and "Iterate over the response" not in page
    client.force_login(moderator)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Iterate over the response" in page and "off-topic" in page
    services.post_restore(moderator=moderator, post=answer)
    client.force_login(third)
    assert "Iterate over the response" in client.get(question.get_absolute_url()).content.decode()
    kinds = list(ModerationAction.objects.values_list("kind", flat=True))
    assert ModerationActionKind.HIDE in kinds and ModerationActionKind.RESTORE in kinds


def test_hidden_thread_is_404_for_members(client, question, moderator, third):
    services.post_hide(moderator=moderator, post=question.posts.get(is_first=True), reason="spam")
    client.force_login(third)
    assert client.get(question.get_absolute_url()).status_code == 404
    client.force_login(moderator)
    assert client.get(question.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("action", ["hide", "restore", "dismiss"])
def test_non_moderators_cannot_moderate_posts(client, answer, third, action):
    client.force_login(third)
    response = client.post(reverse("forums:post_moderate", kwargs={"pk": answer.pk, "action": action}), {"reason": "x"})
    assert response.status_code == 403
    answer.refresh_from_db()
    assert not answer.is_hidden and not ModerationAction.objects.exists()


@pytest.mark.parametrize("action", ["lock", "unlock", "pin", "unpin"])
def test_non_moderators_cannot_lock_or_pin(client, question, asker, action):
    client.force_login(asker)  # not even the thread's own author
    response = client.post(reverse("forums:thread_moderate", kwargs={"pk": question.pk, "action": action}))
    assert response.status_code == 403
    question.refresh_from_db()
    assert not question.is_locked and not question.is_pinned


@pytest.mark.parametrize("name", ["mod_flags", "mod_log", "manage_taxonomy"])
def test_moderation_pages_are_403_for_members(client, third, name):
    client.force_login(third)
    assert client.get(reverse(name and f"forums:{name}")).status_code == 403


def test_moderation_pages_send_visitors_to_log_in(client, question):
    response = client.get(reverse("forums:mod_flags"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_non_moderators_cannot_move_merge_or_suspend(client, question, third, asker, qa, categories):
    client.force_login(third)
    assert (
        client.post(
            reverse("forums:thread_move", kwargs={"pk": question.pk}), {"category": categories["discussions"].pk}
        ).status_code
        == 403
    )
    assert client.post(reverse("forums:thread_merge", kwargs={"pk": question.pk}), {"target": 1}).status_code == 403
    assert (
        client.post(
            reverse("forums:user_suspend", kwargs={"user_id": asker.pk}), {"reason": "x", "ends_at": "2099-01-01T00:00"}
        ).status_code
        == 403
    )
    question.refresh_from_db()
    assert question.category == qa and not asker.forum_suspensions.exists()


def test_moderator_can_edit_others_posts_and_it_is_logged(client, answer, moderator):
    client.force_login(moderator)
    response = client.post(reverse("forums:post_edit", kwargs={"pk": answer.pk}), {"body": "Removed a secret."})
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.body == "Removed a secret." and answer.revisions.count() == 1
    assert ModerationAction.objects.filter(kind=ModerationActionKind.EDIT, post=answer).exists()


def test_lock_pin_move_are_logged_and_visible(client, question, moderator, categories):
    client.force_login(moderator)
    for action in ("lock", "pin"):
        assert (
            client.post(
                reverse("forums:thread_moderate", kwargs={"pk": question.pk, "action": action}), {"reason": "because"}
            ).status_code
            == 302
        )
    response = client.post(
        reverse("forums:thread_move", kwargs={"pk": question.pk}),
        {"category": categories["discussions"].pk, "reason": "not a question"},
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.is_locked and question.is_pinned and question.category == categories["discussions"]
    log = client.get(reverse("forums:mod_log")).content.decode()
    assert "Locked thread" in log and "Pinned thread" in log and "Moved thread" in log and "not a question" in log


def test_pinned_threads_come_first_in_latest(client, qa, asker, moderator):
    old = services.thread_create(
        author=asker, category=qa, title="An old but important question", body="Pinned content here please."
    )
    services.thread_create(author=asker, category=qa, title="A newer ordinary question", body="Ordinary content here.")
    Thread.objects.filter(pk=old.pk).update(last_activity_at=timezone.now() - timedelta(days=30))
    services.thread_set_pinned(moderator=moderator, thread=old, pinned=True)
    page = client.get(reverse("forums:index")).content.decode()
    assert page.index("An old but important question") < page.index("A newer ordinary question")


def test_merge_moves_posts_and_redirects_the_old_thread(client, question, answer, qa, third, moderator):
    duplicate = services.thread_create(
        author=third,
        category=qa,
        title="Streaming returns a single chunk",
        body="Same problem as everyone, one chunk only.",
    )
    client.force_login(moderator)
    response = client.post(
        reverse("forums:thread_merge", kwargs={"pk": duplicate.pk}), {"target": question.pk, "reason": "duplicate"}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.posts.count() == 3 and question.reply_count == 2
    assert Post.objects.filter(thread=question, is_first=True).count() == 1
    assert client.get(duplicate.get_absolute_url())["Location"] == question.get_absolute_url()
    assert ModerationAction.objects.filter(kind=ModerationActionKind.MERGE).exists()
    # Merging into a thread that does not exist is a form error, not a crash.
    other = services.thread_create(
        author=third, category=qa, title="Yet another streaming question", body="More streaming trouble here."
    )
    response = client.post(reverse("forums:thread_merge", kwargs={"pk": other.pk}), {"target": 999999})
    assert response.status_code == 400 and b"no such thread" in response.content


def test_suspension_blocks_posting_until_its_end(client, question, answerer, moderator):
    client.force_login(moderator)
    ends = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("forums:user_suspend", kwargs={"user_id": answerer.pk}), {"reason": "Repeated spam", "ends_at": ends}
    )
    assert response.status_code == 302
    with pytest.raises(PermissionDenied, match="Repeated spam"):
        services.post_create(author=answerer, thread=question, body="I am back with more spam")
    client.force_login(answerer)
    response = client.post(reverse("forums:reply", kwargs={"pk": question.pk}), {"body": "Trying anyway"})
    assert response.status_code == 403
    suspension = answerer.forum_suspensions.get()
    suspension.ends_at = timezone.now() - timedelta(seconds=1)
    suspension.save()
    services.post_create(author=answerer, thread=question, body="Suspension over, a real answer now.")
    assert ModerationAction.objects.filter(
        kind=ModerationActionKind.SUSPEND, target_user=answerer, reason="Repeated spam"
    ).exists()
    deliver()
    assert answerer.notifications.filter(kind="moderation").exists()


def test_suspension_needs_a_reason_and_a_future_end(client, answerer, moderator):
    client.force_login(moderator)
    url = reverse("forums:user_suspend", kwargs={"user_id": answerer.pk})
    assert client.post(url, {"reason": "", "ends_at": "2099-01-01T00:00"}).status_code == 400
    assert client.post(url, {"reason": "spam", "ends_at": "2001-01-01T00:00"}).status_code == 400
    assert not answerer.forum_suspensions.exists()


def test_idor_on_hidden_and_deleted_posts(client, question, answer, answerer, moderator, third):
    services.post_hide(moderator=moderator, post=answer, reason="x")
    client.force_login(third)
    assert client.get(reverse("forums:post_history", kwargs={"pk": answer.pk})).status_code == 404
    assert client.post(reverse("forums:post_vote", kwargs={"pk": answer.pk})).status_code == 404
    assert client.get(reverse("forums:post_flag", kwargs={"pk": answer.pk})).status_code == 404
    assert client.get(reverse("forums:post", kwargs={"pk": 987654})).status_code == 404
    services.post_delete(actor=question.author, post=question.posts.get(is_first=True))
    assert client.post(reverse("forums:reply", kwargs={"pk": question.pk}), {"body": "hello"}).status_code == 404


def test_managers_create_categories_and_tags(client, staff, third):
    """Community managers hold change permissions on the community's models (accounts' roles)."""
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_category", "change_tag"]))
    client.force_login(staff)
    response = client.post(
        reverse("forums:manage_taxonomy"),
        {
            "category-name": "Model releases",
            "category-slug": "model-releases",
            "category-description": "New models",
            "category-color": "#123abc",
            "category-kind": "discussion",
            "category-position": 10,
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("forums:manage_taxonomy"),
        {
            "category-name": "Bad",
            "category-slug": "bad",
            "category-color": "red",
            "category-kind": "discussion",
            "category-position": 1,
        },
    )
    assert response.status_code == 400 and b"hex color" in response.content
    assert client.post(reverse("forums:manage_taxonomy"), {"tag-name": "Embeddings"}).status_code == 302
    assert client.get(reverse("forums:category", kwargs={"slug": "model-releases"})).status_code == 200


def test_moderator_lifts_a_suspension_early(client, answerer, moderator, third, question):
    suspension = services.user_suspend(
        moderator=moderator, user=answerer, reason="Cool down", ends_at=timezone.now() + timedelta(days=7)
    )
    url = reverse("forums:suspension_lift", kwargs={"pk": suspension.pk})
    client.force_login(third)
    assert client.post(url).status_code == 403
    client.force_login(moderator)
    assert b"Lift now" in client.get(reverse("forums:user_suspend", kwargs={"user_id": answerer.pk})).content
    assert client.post(url, {"reason": "apologised"}).status_code == 302
    services.post_create(author=answerer, thread=question, body="Thanks, back to answering questions.")
    assert ModerationAction.objects.filter(kind=ModerationActionKind.UNSUSPEND, reason="apologised").exists()


def test_the_accounts_roles_grant_forum_powers(client, third, question, answer):
    """With the accounts app's role groups: Moderators moderate, Community managers also manage taxonomy."""
    from django.contrib.auth.models import Group

    from portal.accounts.roles import sync_roles
    from tests.forums.conftest import make_member

    sync_roles()
    mod = make_member("role-mod@example.org", handle="rolemod")
    mod.groups.add(Group.objects.get(name="Moderator"))
    manager = make_member("role-cm@example.org", handle="rolecm", is_staff=True)
    manager.groups.add(Group.objects.get(name="Community manager"))
    client.force_login(mod)
    response = client.post(
        reverse("forums:post_moderate", kwargs={"pk": answer.pk, "action": "hide"}), {"reason": "test"}
    )
    assert response.status_code == 302
    assert client.get(reverse("forums:manage_taxonomy")).status_code == 403
    client.force_login(manager)
    assert client.get(reverse("forums:manage_taxonomy")).status_code == 200
    assert client.get(reverse("forums:manage_unanswered")).status_code == 200
    assert client.get(reverse("forums:mod_flags")).status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_moderation_redirects_stay_on_the_site(client, answer, moderator, target):
    client.force_login(moderator)
    response = client.post(
        reverse("forums:post_moderate", kwargs={"pk": answer.pk, "action": "dismiss"}), {"next": target}
    )
    assert response.status_code == 302 and response["Location"] == reverse("forums:post", kwargs={"pk": answer.pk})
