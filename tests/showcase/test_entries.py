"""Publishing, the comment thread, featuring, hiding, the gallery, the profile, and each
action's activity and points exactly once."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from community.activity.models import ActivityEvent
from community.forums.models import Thread
from community.rewards.models import PointsEntry
from community.showcase import selectors, services
from community.showcase.models import Entry
from tests.showcase.conftest import deliver, make_member

pytestmark = pytest.mark.django_db


def points(user, rule):
    return list(PointsEntry.objects.filter(user=user, rule_key=rule).values_list("amount", flat=True))


def test_publishing_starts_the_comment_thread_in_the_showcase_category(entry, author, showcase_category):
    """The entry's thread is the author's, in the Showcase category, and the page links it."""
    thread = Thread.objects.get(pk=entry.thread_id)
    assert (thread.category_id, thread.author_id, thread.title) == (showcase_category.pk, author.pk, "Support bot")
    assert entry.published_at is not None and entry.model_ids == ["atrium-chat"]
    assert sorted(tag.slug for tag in entry.tags.all()) == ["chatbot", "python"]
    assert "<strong>streaming</strong>" in entry.description_html
    response = Client().get(entry.get_absolute_url())
    assert response.status_code == 200
    assert thread.get_absolute_url() in response.content.decode()


def test_an_entry_the_forums_refuse_is_not_published(author, showcase_category, entry_data, settings):
    """Posting too fast refuses the thread, and with it the entry: nothing half-made is left."""
    settings.FORUM_FLOOD_SECONDS = 60
    services.entry_create(author=author, **entry_data)
    with pytest.raises(ValidationError):
        services.entry_create(author=author, **{**entry_data, "title": "Second app"})
    assert Entry.objects.count() == 1


def test_published_records_its_activity_and_points_once(entry, author):
    """+15 for the author, once, even when the stream delivers the activity twice."""
    deliver(times=2)
    assert ActivityEvent.objects.filter(verb="showcase.entry.published").count() == 1
    event = ActivityEvent.objects.get(verb="showcase.entry.published")
    assert event.actor_id == author.pk
    assert event.properties == {"entry": entry.pk, "models": ["atrium-chat"], "tags": ["chatbot", "python"]}
    assert points(author, "showcase.entry.published") == [15]


@pytest.mark.parametrize(
    "field, value",
    [("url", "javascript:alert(1)"), ("repository_url", "ftp://example.com/x"), ("models", ["no-such-model"])],
)
def test_bad_input_is_refused_on_its_field(author, showcase_category, entry_data, field, value):
    with pytest.raises(ValidationError) as caught:
        services.entry_create(author=author, **{**entry_data, field: value})
    assert field in caught.value.message_dict
    assert not Entry.objects.exists()


def test_the_form_shows_errors_instead_of_failing(client, author, showcase_category, model):
    client.force_login(author)
    response = client.post(
        reverse("showcase:create"),
        {"title": "X", "tagline": "Y", "description": "Z", "url": "javascript:alert(1)", "models": ["nope"]},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"url", "models"}
    assert not Entry.objects.exists()


def test_only_the_author_edits(client, entry, voter, author):
    """Someone else's edit page is a 404, and the service refuses them too."""
    client.force_login(voter)
    assert client.get(reverse("showcase:edit", args=[entry.slug])).status_code == 404
    assert client.post(reverse("showcase:edit", args=[entry.slug]), {"title": "Mine now"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.entry_edit(editor=voter, entry=entry, title="Mine now", tagline="x", description="x")
    client.force_login(author)
    response = client.post(
        reverse("showcase:edit", args=[entry.slug]),
        {"title": "Support bot 2", "tagline": "Better.", "description": "New", "models": ["atrium-chat"]},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.title, entry.tagline, entry.slug) == ("Support bot 2", "Better.", "support-bot")


def test_hide_and_delete_by_the_author_or_a_manager_only(client, entry, voter, manager, author):
    client.force_login(voter)
    assert client.post(reverse("showcase:hide", args=[entry.slug])).status_code == 403
    assert client.post(reverse("showcase:delete", args=[entry.slug])).status_code == 403
    client.force_login(manager)
    assert client.post(reverse("showcase:hide", args=[entry.slug])).status_code == 302
    entry.refresh_from_db()
    assert entry.is_hidden
    # Hidden: gone for readers, still there for its author, who cannot undo a manager's hiding.
    client.force_login(voter)
    assert client.get(entry.get_absolute_url()).status_code == 404
    client.force_login(author)
    assert client.get(entry.get_absolute_url()).status_code == 200
    assert client.post(reverse("showcase:hide", args=[entry.slug]), {"hidden": "0"}).status_code == 403
    assert client.post(reverse("showcase:delete", args=[entry.slug])).status_code == 302
    assert not Entry.objects.exists()


def test_featuring_is_for_managers_only_and_pays_once(client, entry, voter, author, manager):
    """403 for a member (even the author); a manager features; +50 to the author once,
    also after taking it off and featuring it again."""
    for member in (voter, author):
        client.force_login(member)
        assert client.post(reverse("showcase:feature", args=[entry.slug])).status_code == 403
    entry.refresh_from_db()
    assert not entry.is_featured
    client.force_login(manager)
    assert client.post(reverse("showcase:feature", args=[entry.slug])).status_code == 302
    assert client.post(reverse("showcase:feature", args=[entry.slug]), {"featured": "0"}).status_code == 302
    assert client.post(reverse("showcase:feature", args=[entry.slug])).status_code == 302
    entry.refresh_from_db()
    assert entry.is_featured and entry.featured_by_id == manager.pk
    deliver(times=2)
    featured = ActivityEvent.objects.filter(verb="showcase.entry.featured")
    assert featured.count() == 1
    assert (featured[0].actor_id, featured[0].properties) == (author.pk, {"entry": entry.pk, "featured_by": manager.pk})
    assert points(author, "showcase.entry.featured") == [50]


def test_gallery_sorts_by_new_top_and_featured_with_tag_filter(client, author, voter, manager, showcase_category):
    third = make_member("third@example.com", handle="third")
    old = services.entry_create(author=author, title="Old", tagline="t", description="d", tags=["rag"])
    new = services.entry_create(author=author, title="New", tagline="t", description="d", tags=["agents"])
    services.entry_vote(user=voter, entry=old)
    services.entry_vote(user=third, entry=old)
    services.entry_vote(user=voter, entry=new)
    services.entry_feature(actor=manager, entry=new)

    def titles(**params):
        response = client.get(reverse("showcase:gallery"), params)
        assert response.status_code == 200
        return [entry.title for entry in response.context["entries"]]

    assert titles() == ["New", "Old"]
    assert titles(sort="top") == ["Old", "New"]
    assert titles(sort="featured") == ["New"]
    assert titles(sort="new", tag="rag") == ["Old"]
    assert titles(sort="nonsense") == ["New", "Old"]
    services.entry_hide(actor=author, entry=old)
    assert titles(sort="top") == ["New"]


def test_gallery_paginates_in_a_bounded_number_of_queries(
    client, author, showcase_category, django_assert_max_num_queries
):
    for n in range(selectors.ENTRIES_PER_PAGE + 1):
        services.entry_create(author=author, title=f"App {n}", tagline="t", description="d", tags=["x"])
    with django_assert_max_num_queries(12):
        first = client.get(reverse("showcase:gallery"))
    assert len(first.context["entries"]) == selectors.ENTRIES_PER_PAGE
    second = client.get(reverse("showcase:gallery"), {"page": 2})
    assert [e.title for e in second.context["entries"]] == ["App 0"]


def test_entries_show_on_the_authors_profile(client, entry, author, manager, django_capture_on_commit_callbacks):
    """Visitors see the entry on the profile, and see it gone as soon as it is hidden."""
    response = client.get(reverse("accounts:profile", kwargs={"handle": "builder"}))
    assert entry.get_absolute_url() in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_hide(actor=manager, entry=entry)
    response = client.get(reverse("accounts:profile", kwargs={"handle": "builder"}))
    assert entry.get_absolute_url() not in response.content.decode()


def test_interface_selectors(entry, author, voter):
    """What hackathons and ambassadors read: an entry by id, its URL, a member's entries, vote counts."""
    services.entry_vote(user=voter, entry=entry)
    assert selectors.entry_get(entry_id=entry.pk) == entry
    assert selectors.entry_url(entry) == f"/showcase/{entry.slug}/"
    assert selectors.entries_by(user_id=author.pk) == [entry]
    assert selectors.entries_by(user_id=author.pk, start=entry.published_at, end=entry.published_at) == []
    assert selectors.entry_vote_counts(entry_ids=[entry.pk]) == {entry.pk: 1}


def test_without_a_showcase_category_the_entry_has_no_thread(author, entry_data):
    entry = services.entry_create(author=author, hackathon="Spring hackathon", **entry_data)
    assert entry.thread_id is None and entry.hackathon == "Spring hackathon"
    response = Client().get(entry.get_absolute_url())
    assert response.status_code == 200 and "Spring hackathon" in response.content.decode()
