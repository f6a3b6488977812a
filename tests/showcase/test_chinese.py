"""The showcase's pages read in Chinese: only what members wrote (titles, taglines, tags,
handles) and model ids stay as written."""

import pytest
from django.urls import reverse

from community.showcase import services
from tests.docs.test_translations import english_on_page

pytestmark = pytest.mark.django_db


def test_showcase_pages_show_no_english_in_chinese(client, entry, author, voter, manager, model):
    services.entry_vote(user=voter, entry=entry)
    services.entry_feature(actor=manager, entry=entry)
    # Members' own words: the entry, tags, handles and names; the thread's category, named by the test.
    allowed = {entry.title, entry.tagline, "Built with", "streaming", "replies.", "chatbot", "python", "Showcase"}
    allowed |= {"builder", "Builder", "cm", "Cm", model.model_id, "WebP"}  # and a format's name
    pages = [
        reverse("showcase:gallery"),
        reverse("showcase:gallery") + "?sort=featured",
        entry.get_absolute_url(),
        reverse("accounts:profile", kwargs={"handle": "builder"}),
    ]
    client.cookies["django_language"] = "zh-hans"
    problems = {}
    for member in (None, author, manager):
        if member is not None:
            client.force_login(member)
        for url in pages + (
            [reverse("showcase:create"), reverse("showcase:edit", args=[entry.slug])] if member == author else []
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            if found := english_on_page(response.content.decode(), allowed_texts=allowed):
                problems[url] = found
    assert not problems, problems
