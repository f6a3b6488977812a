"""Each privilege the forums enforce is held from its trust level up, and refused below it
with a message that names the level needed (services and views alike). Moderators and
staff count as leaders. Managers move a privilege to another level in the admin."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community.forums import services
from community.forums.models import Flag, Post, Thread
from community.forums.selectors import flag_queue
from community.trust.levels import Level
from community.trust.selectors import privileges_of
from tests.support.trust import level_set, setting_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db):
    from tests.trust.conftest import make_member

    return make_member("member@example.org", handle="memb")


def at(user, level: Level):
    level_set(user, level)
    return user


def test_the_default_privileges_of_each_level(member, moderator, staff):
    expected = {
        Level.NEW: dict(can_downvote=False, can_retag=False, can_edit_wiki=False, can_offer_bounty=False),
        Level.BASIC: dict(can_downvote=True, can_retag=False, can_edit_wiki=False, can_offer_bounty=False),
        Level.MEMBER: dict(can_downvote=True, can_retag=True, can_edit_wiki=True, can_offer_bounty=True),
        Level.REGULAR: dict(can_make_wiki=True, can_close_duplicates=True, flag_weight=3),
        Level.LEADER: dict(can_make_wiki=True, can_close_duplicates=True, flag_weight=4),
    }
    for level, wanted in expected.items():
        privileges = privileges_of(user=at(member, level))
        assert {name: getattr(privileges, name) for name in wanted} == wanted, level
    assert not privileges_of(user=at(member, Level.MEMBER)).can_close_duplicates
    for leader in (moderator, staff):
        assert privileges_of(user=leader).level == Level.LEADER


def test_downvoting_needs_basic(question, answer, newbie, member):
    with pytest.raises(ValidationError, match="Downvoting needs trust level Basic"):
        services.post_vote(user=newbie, post=answer, direction="down")
    services.post_vote(user=newbie, post=answer, direction="up")  # upvotes are for everyone
    vote, score = services.post_vote(user=at(member, Level.BASIC), post=answer, direction="down")
    assert (vote, score) == (-1, 0)


def test_a_downvote_refused_through_the_page_says_why(client, question, answer, newbie):
    client.force_login(newbie)
    url = reverse("forums:post_vote", kwargs={"pk": answer.pk})
    response = client.post(url, {"direction": "down"}, HTTP_HX_REQUEST="true")
    assert "Downvoting needs trust level Basic." in response.content.decode()
    assert Post.objects.get(pk=answer.pk).score == 0
    page = client.get(question.get_absolute_url()).content.decode()
    article = page.split(f'id="post-{answer.pk}"', 1)[1].split("</article>", 1)[0]
    assert 'aria-label="Downvote"' in article and 'disabled title="Downvoting needs trust level Basic."' in article


def test_retagging_others_threads_needs_member(client, question, tags, member, asker):
    with pytest.raises(PermissionDenied, match="needs trust level Member"):
        services.thread_retag(user=at(member, Level.BASIC), thread=question, tags=tags[:1])
    services.thread_retag(user=asker, thread=question, tags=tags[:1])  # the author retags their own
    client.force_login(member)
    url = reverse("forums:thread_retag", kwargs={"pk": question.pk})
    response = client.post(url, {"tags": [tags[1].pk]})
    assert response.status_code == 403 and "needs trust level Member" in response.content.decode()
    assert list(question.tags.values_list("name", flat=True)) == ["python"]
    at(member, Level.MEMBER)
    assert client.post(url, {"tags": [tags[1].pk, tags[2].pk]}).status_code == 302
    assert sorted(question.tags.values_list("name", flat=True)) == ["fine-tuning", "streaming"]


def test_wiki_posts_are_made_by_regulars_and_edited_by_members(client, question, member, third, moderator):
    first = question.posts.get(is_first=True)
    with pytest.raises(PermissionDenied, match="needs trust level Regular"):
        services.post_set_wiki(user=at(member, Level.MEMBER), post=first, is_wiki=True)
    services.post_set_wiki(user=at(third, Level.REGULAR), post=first, is_wiki=True)
    first.refresh_from_db()
    assert first.is_wiki

    body = "The question, now a wiki everyone can improve."
    with pytest.raises(PermissionDenied):
        services.post_edit(editor=at(member, Level.BASIC), post=first, body=body)
    client.force_login(member)
    assert client.get(reverse("forums:post_edit", kwargs={"pk": first.pk})).status_code == 403
    services.post_edit(editor=at(member, Level.MEMBER), post=first, body=body)
    assert Post.objects.get(pk=first.pk).body == body
    with pytest.raises(PermissionDenied):  # editing a wiki is not deleting it
        services.post_delete(actor=member, post=first)
    page = client.get(question.get_absolute_url()).content.decode()
    assert reverse("forums:post_edit", kwargs={"pk": first.pk}) in page and "Edit wiki" in page
    services.post_set_wiki(user=moderator, post=first, is_wiki=False)  # moderators too
    with pytest.raises(PermissionDenied):
        services.post_edit(editor=member, post=Post.objects.get(pk=first.pk), body="Not a wiki any more, edited.")


def test_closing_duplicates_needs_regular(client, qa, question, asker, member):
    original = Thread.objects.get(pk=question.pk)
    copy = services.thread_create(
        author=asker, category=qa, title="How to stream completions in Python again", body="Same question again."
    )
    with pytest.raises(PermissionDenied, match="needs trust level Regular"):
        services.thread_close_as_duplicate(user=at(member, Level.MEMBER), thread=copy, original=original)
    client.force_login(member)
    url = reverse("forums:thread_duplicate", kwargs={"pk": copy.pk})
    response = client.post(url, {"original": original.pk})
    assert response.status_code == 403 and "needs trust level Regular" in response.content.decode()
    at(member, Level.REGULAR)
    assert client.post(url, {"original": original.pk, "reason": "Asked before"}).status_code == 302
    copy.refresh_from_db()
    assert copy.duplicate_of_id == original.pk and copy.is_locked
    page = client.get(copy.get_absolute_url()).content.decode()
    assert "Closed as a duplicate of" in page and original.get_absolute_url() in page
    with pytest.raises(ValidationError):  # not into each other
        services.thread_close_as_duplicate(user=member, thread=original, original=copy)
    client.post(url, {"reopen": "1"})
    copy.refresh_from_db()
    assert copy.duplicate_of_id is None and not copy.is_locked


def test_offering_a_bounty_is_a_member_privilege(member):
    assert not privileges_of(user=at(member, Level.BASIC)).can_offer_bounty
    assert privileges_of(user=at(member, Level.MEMBER)).can_offer_bounty


def test_a_regulars_flag_outweighs_two_newcomers(qa, question, answer, asker, answerer, newbie, member):
    """The queue puts the post a regular flagged before one two new members flagged."""
    other = services.post_create(author=answerer, thread=question, body="Another answer, flagged by newcomers.")
    second_new = at(member, Level.NEW)
    services.post_flag(reporter=newbie, post=other, reason="spam")
    services.post_flag(reporter=second_new, post=other, reason="spam")
    services.post_flag(reporter=at(asker, Level.REGULAR), post=answer, reason="spam")
    assert Flag.objects.get(post=answer).weight == 3
    queue = list(flag_queue())
    assert [p.pk for p in queue] == [answer.pk, other.pk]
    assert (queue[0].open_weight, queue[1].open_weight) == (3, 2)


def test_managers_move_a_privilege_to_another_level(member):
    at(member, Level.BASIC)
    setting_set("privilege.downvote", Level.MEMBER)
    assert not privileges_of(user=member).can_downvote
    setting_set("privilege.downvote", None)  # back to the default
    member = type(member).objects.get(pk=member.pk)
    assert privileges_of(user=member).can_downvote
