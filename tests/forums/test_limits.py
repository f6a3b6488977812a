"""New accounts are limited until trusted (age + verified email); everyone gets flood and
duplicate-post protection. Refused posts keep the text in the form."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from community.forums import permissions, services
from community.forums.models import Post
from tests.factories import UserFactory
from tests.forums.conftest import make_member

pytestmark = pytest.mark.django_db


def test_trust_needs_age_and_a_verified_email(newbie, asker, staff):
    assert not permissions.is_trusted(newbie)
    assert permissions.is_trusted(asker) and permissions.is_trusted(staff)
    unverified = make_member("unverified@example.org", verified=False)
    assert not permissions.is_trusted(unverified)


def test_new_accounts_post_a_limited_number_of_times_an_hour(client, question, newbie, settings):
    settings.FORUM_NEW_USER_POSTS_PER_HOUR = 2
    services.post_create(author=newbie, thread=question, body="First message from a newcomer.")
    services.post_create(author=newbie, thread=question, body="Second message from a newcomer.")
    client.force_login(newbie)
    response = client.post(reverse("forums:reply", kwargs={"pk": question.pk}), {"body": "Third message, refused."})
    assert response.status_code == 400
    assert b"New accounts can post 2 times an hour" in response.content
    assert b"Third message, refused." in response.content  # nothing lost
    assert Post.objects.filter(author=newbie).count() == 2


def test_trusted_members_are_not_rate_limited(question, answerer, settings):
    settings.FORUM_NEW_USER_POSTS_PER_HOUR = 1
    for n in range(3):
        services.post_create(author=answerer, thread=question, body=f"Answer number {n} from a regular.")


def test_new_accounts_have_link_and_image_limits(question, newbie, asker, settings):
    settings.FORUM_NEW_USER_MAX_LINKS = 2
    settings.FORUM_NEW_USER_MAX_IMAGES = 0
    links = "See https://a.example [b](https://b.example) [c](https://c.example)"
    with pytest.raises(ValidationError, match="at most 2 links"):
        services.post_create(author=newbie, thread=question, body=links)
    with pytest.raises(ValidationError, match="at most 0 images"):
        services.post_create(author=newbie, thread=question, body="![x](https://img.example/x.png)")
    # Mentions are links too, but do not count against the limit.
    services.post_create(author=newbie, thread=question, body="Thanks @ada and @grace, see [docs](https://d.example)")
    services.post_create(author=asker, thread=question, body=links)  # trusted: fine
    # Editing cannot sneak links past the limit either.
    post = Post.objects.filter(author=newbie).get()
    with pytest.raises(ValidationError):
        services.post_edit(editor=newbie, post=post, body=links)


def test_flood_protection(question, answerer, settings):
    settings.FORUM_FLOOD_SECONDS = 30
    services.post_create(author=answerer, thread=question, body="A quick first answer.")
    with pytest.raises(ValidationError, match="too quickly"):
        services.post_create(author=answerer, thread=question, body="An immediate second one.")
    Post.objects.filter(author=answerer).update(
        created_at=Post.objects.get(author=answerer).created_at - timedelta(seconds=31)
    )
    services.post_create(author=answerer, thread=question, body="After waiting, fine.")


def test_duplicate_posts_are_refused(question, answerer, qa):
    services.post_create(author=answerer, thread=question, body="Buy cheap tokens at example dot com")
    with pytest.raises(ValidationError, match="already posted exactly this"):
        services.post_create(author=answerer, thread=question, body="  buy cheap   TOKENS at example dot com ")
    with pytest.raises(ValidationError, match="already posted"):
        services.thread_create(
            author=answerer,
            category=qa,
            title="Cheap tokens for everyone here",
            body="Buy cheap tokens at example dot com",
        )


def test_new_thread_limits_apply_through_the_form(client, qa, settings):
    settings.FORUM_NEW_USER_MAX_LINKS = 0
    user = UserFactory(email="fresh@example.org")
    client.force_login(user)
    response = client.post(
        reverse("forums:thread_create"),
        {"category": qa.pk, "title": "Check out my site for answers", "body": "https://spam.example is great"},
    )
    assert response.status_code == 400 and b"at most 0 links" in response.content
    assert b"https://spam.example is great" in response.content
