"""New members (trust level New) are limited until they reach Basic, with the limits the
managers set (community.trust); everyone gets flood and duplicate-post protection.
Refused posts keep the text in the form."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from community.forums import services
from community.forums.models import Post
from community.trust.levels import Level
from community.trust.selectors import privileges_of
from tests.factories import UserFactory
from tests.support.trust import level_set, setting_set

pytestmark = pytest.mark.django_db


def test_the_limits_follow_the_trust_level(newbie, asker, staff):
    """New members carry the limits; Basic lifts them; staff count as leaders."""
    new, basic, leader = (privileges_of(user=u) for u in (newbie, asker, staff))
    assert (new.level, basic.level, leader.level) == (Level.NEW, Level.BASIC, Level.LEADER)
    assert (new.posts_per_hour, new.max_links, new.max_images) == (3, 2, 1)
    assert (basic.posts_per_hour, basic.max_links, basic.max_images) == (None, None, None)
    assert leader.posts_per_hour is None


def test_new_members_post_a_limited_number_of_times_an_hour(client, question, newbie):
    setting_set("new.posts_per_hour", 2)
    services.post_create(author=newbie, thread=question, body="First message from a newcomer.")
    services.post_create(author=newbie, thread=question, body="Second message from a newcomer.")
    client.force_login(newbie)
    response = client.post(reverse("forums:reply", kwargs={"pk": question.pk}), {"body": "Third message, refused."})
    assert response.status_code == 400
    assert b"Until you reach trust level Basic, you can post 2 times an hour" in response.content
    assert b"Third message, refused." in response.content  # nothing lost
    assert Post.objects.filter(author=newbie).count() == 2


def test_a_member_who_reaches_basic_is_no_longer_rate_limited(question, newbie):
    setting_set("new.posts_per_hour", 1)
    services.post_create(author=newbie, thread=question, body="First message from a newcomer.")
    with pytest.raises(ValidationError, match="1 time an hour"):
        services.post_create(author=newbie, thread=question, body="Second message, refused.")
    level_set(newbie, Level.BASIC)
    for n in range(3):
        services.post_create(author=newbie, thread=question, body=f"Answer number {n} from a basic member.")


def test_new_members_have_link_and_image_limits(question, newbie, asker):
    setting_set("new.max_links", 2)
    setting_set("new.max_images", 0)
    links = "See https://a.example [b](https://b.example) [c](https://c.example)"
    with pytest.raises(ValidationError, match="at most 2 links"):
        services.post_create(author=newbie, thread=question, body=links)
    with pytest.raises(ValidationError, match="at most 0 images"):
        services.post_create(author=newbie, thread=question, body="![x](https://img.example/x.png)")
    # Mentions are links too, but do not count against the limit.
    services.post_create(author=newbie, thread=question, body="Thanks @ada and @grace, see [docs](https://d.example)")
    services.post_create(author=asker, thread=question, body=links)  # basic: fine
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


def test_new_thread_limits_apply_through_the_form(client, qa):
    setting_set("new.max_links", 0)
    user = UserFactory(email="fresh@example.org")
    client.force_login(user)
    response = client.post(
        reverse("forums:thread_create"),
        {"category": qa.pk, "title": "Check out my site for answers", "body": "https://spam.example is great"},
    )
    assert response.status_code == 400 and b"at most 0 links" in response.content
    assert b"https://spam.example is great" in response.content
