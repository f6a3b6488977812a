"""Deleting an account removes personal data; authored content stays as "deleted user"."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.template import Context, Template
from django.urls import reverse

from portal.accounts.models import Profile, User
from portal.accounts.services import account_delete
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_delete_page_asks_for_email_and_password(client, user):
    client.force_login(user)
    response = client.get(reverse("accounts:delete"))
    assert response.status_code == 200
    assert b'<label class="form-label" for="id_email">' in response.content
    assert b'<label class="form-label" for="id_password">' in response.content
    assert b"cannot be undone" in response.content


def test_delete_page_needs_login(client):
    response = client.get(reverse("accounts:delete"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(
    ("email", "password", "error"),
    [
        ("grace@example.com", PASSWORD, b"not your account"),
        ("ada@example.com", "wrong-password", b"password is not correct"),
        ("", "", b"This field is required"),
    ],
)
def test_wrong_confirmation_deletes_nothing(client, user, email, password, error):
    client.force_login(user)
    response = client.post(reverse("accounts:delete"), {"email": email, "password": password})
    assert response.status_code == 400
    assert error in response.content
    assert User.objects.filter(pk=user.pk).exists()


def test_confirmed_deletion_removes_the_account_and_logs_out(client, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    handle = user.profile.handle
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:delete"), {"email": "ADA@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not User.objects.filter(email="ada@example.com").exists()
    assert not Profile.objects.filter(handle=handle).exists()
    assert not EmailAddress.objects.filter(email="ada@example.com").exists()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:profile", args=[handle])).status_code == 404
    assert client.post(reverse("account_login"), {"login": "ada@example.com", "password": PASSWORD}).status_code == 200
    # A notice goes to the address that was deleted.
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    assert "deleted" in mail.outbox[0].subject


def test_service_removes_owned_rows_and_throttle_records(user, other_user):
    from axes.models import AccessAttempt

    from portal.apikeys.models import ApiKey
    from portal.apikeys.services import api_key_create

    AccessAttempt.objects.create(
        username="ada@example.com", ip_address="203.0.113.7", user_agent="t", failures_since_start=2
    )
    api_key_create(user=user, name="ci")
    api_key_create(user=other_user, name="theirs")
    account_delete(user=user)
    assert not User.objects.filter(email="ada@example.com").exists()
    assert not AccessAttempt.objects.filter(username="ada@example.com").exists()
    assert list(ApiKey.objects.values_list("user", flat=True)) == [other_user.pk]


def test_authored_forum_posts_stay_with_a_null_author(user):
    from community.forums.models import Post, Thread

    author_field = Thread._meta.get_field("author")
    assert author_field.null
    thread, post = _forum_thread_with_post(user)
    account_delete(user=user)
    thread.refresh_from_db()
    post.refresh_from_db()
    assert thread.author is None and post.author is None
    html = Template("{% load accounts %}{% author_link post.author %}").render(Context({"post": post}))
    assert "deleted user" in html
    assert Post.objects.filter(pk=post.pk).exists()


def test_author_link_shows_avatar_and_name_linked_to_the_profile(user):
    user.profile.display_name = "Ada <Lovelace>"
    user.profile.save()
    html = Template("{% load accounts %}{% author_link author %}").render(Context({"author": user}))
    assert f'href="/u/{user.profile.handle}/"' in html
    assert f'src="/u/{user.profile.handle}/avatar.png?s=48"' in html
    assert "Ada &lt;Lovelace&gt;" in html  # escaped


def test_author_link_for_deleted_and_deactivated_users(user):
    html = Template("{% load accounts %}{% author_link None %}").render(Context({}))
    assert "deleted user" in html and "href" not in html and "<img" not in html
    user.is_active = False
    user.save()
    html = Template("{% load accounts %}{% author_link author size=32 %}").render(Context({"author": user}))
    assert "href" not in html and user.profile.name in html and 'width="32"' in html


def _forum_thread_with_post(user):
    from community.forums.models import Category
    from community.forums.services import thread_create

    category = Category.objects.create(name="General", slug="general")
    thread = thread_create(author=user, category=category, title="Hello there everyone", body="First post body text")
    return thread, thread.posts.first()


def test_password_guessing_on_the_delete_form_is_throttled(client, user):
    client.force_login(user)
    url = reverse("accounts:delete")
    for attempt in range(10):
        response = client.post(url, {"email": user.email, "password": f"guess-{attempt}"})
        assert b"password is not correct" in response.content
    response = client.post(url, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert b"Too many attempts" in response.content
    assert User.objects.filter(pk=user.pk).exists()
