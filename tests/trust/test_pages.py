"""The trust levels page shows every level, what it unlocks and needs, and a member's own
progress towards the next one (each requirement's current and needed value); the profile
shows the level to everyone and the progress to its owner; the rewards hub has a section."""

import pytest
from django.urls import reverse

from community.forums import services as forums
from community.trust.levels import Level
from tests.support.activity import deliver
from tests.support.trust import level_set

pytestmark = pytest.mark.django_db


def test_everyone_sees_the_levels_and_their_privileges(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        html = client.get(reverse("trust:levels")).content.decode()
    for name in ("New", "Basic", "Member", "Regular", "Leader"):
        assert f"· {name}" in html
    assert "At most 3 posts an hour" in html and "Downvote posts" in html
    assert "Close topics as duplicates" in html and "Granted by the community managers." in html
    assert "Topics entered: 5" in html  # what basic needs, by default
    assert 'data-testid="trust-progress"' not in html  # no progress for a visitor


def test_a_member_sees_each_requirement_with_their_figures(client, qa, asker, answerer, newbie):
    thread = forums.thread_create(author=asker, category=qa, title="A question worth reading", body="Details here.")
    forums.post_create(author=answerer, thread=thread, body="An answer worth reading too.")
    forums.thread_mark_read(user=newbie, thread=type(thread).objects.get(pk=thread.pk))
    deliver()
    client.force_login(newbie)
    html = client.get(reverse("trust:levels")).content.decode()
    assert "Your level: New" in html and "To reach Basic:" in html and "0 of 3 met" in html
    topics = html.split('data-requirement="topics_entered"', 1)[1].split("</tr>", 1)[0]
    assert "<td>1</td>" in topics and "<td>5</td>" in topics
    posts = html.split('data-requirement="posts_read"', 1)[1].split("</tr>", 1)[0]
    assert "<td>2</td>" in posts and "<td>30</td>" in posts and '<progress max="100" value="6"' in posts


def test_a_regular_sees_what_keeps_the_level(client, answerer):
    level_set(answerer, Level.REGULAR)
    client.force_login(answerer)
    html = client.get(reverse("trust:levels")).content.decode()
    assert "To stay Regular, keep meeting these over the last 100 days:" in html
    assert 'data-requirement="no_suspension_days"' in html and "never suspended" in html


def test_the_profile_shows_the_level_and_its_owner_the_progress(client, answerer, third):
    level_set(answerer, Level.MEMBER)
    url = reverse("accounts:profile", kwargs={"handle": answerer.profile.handle})
    html = client.get(url).content.decode()
    assert 'data-level="2">Member<' in html and "trust-progress" not in html
    client.force_login(third)
    assert "trust-progress" not in client.get(url).content.decode()
    client.force_login(answerer)
    html = client.get(url).content.decode()
    assert "To reach Regular, over the last 100 days:" in html


def test_the_rewards_hub_shows_the_level(client, answerer, django_assert_max_num_queries):
    level_set(answerer, Level.BASIC)
    client.force_login(answerer)
    html = client.get(reverse("rewards:hub")).content.decode()
    section = html.split('data-testid="hub-trust-level"', 1)[1].split("</section>", 1)[0]
    assert "Trust level: Basic" in section and "Towards Member:" in section
    assert reverse("trust:levels") in section


def test_the_levels_page_in_chinese(client, newbie):
    client.force_login(newbie)
    html = client.get(reverse("trust:levels"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "信任等级" in html and "你的等级" in html and "浏览的主题" in html
