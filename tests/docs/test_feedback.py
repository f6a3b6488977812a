"""Page views and "Was this page helpful?" are recorded for the managers' dashboards."""

import pytest
from django.urls import reverse

from portal.docs.models import PageFeedback, PageView

pytestmark = pytest.mark.django_db


def test_viewing_a_page_records_a_view(client, user):
    client.get(reverse("docs:page", kwargs={"slug": "models"}), HTTP_REFERER="https://search.example/?q=atrium")
    client.force_login(user)
    client.get(reverse("docs:page", kwargs={"slug": "models"}))
    views = list(PageView.objects.order_by("created_at"))
    assert [(v.page_slug, v.language) for v in views] == [("models", "en"), ("models", "en")]
    assert views[0].user is None and views[0].referrer == "https://search.example/?q=atrium"
    assert views[1].user == user
    assert views[0].visitor and views[0].visitor != views[1].visitor


def test_feedback_without_javascript_records_and_redirects(client):
    url = reverse("docs:page_feedback", kwargs={"slug": "embeddings"})
    response = client.post(url, {"helpful": "no", "comment": "Show <b>batching</b> limits"})
    assert response.status_code == 302
    assert response["Location"] == "/docs/embeddings/#feedback"
    feedback = PageFeedback.objects.get()
    assert (feedback.page_slug, feedback.helpful, feedback.comment) == (
        "embeddings",
        False,
        "Show <b>batching</b> limits",
    )
    page = client.get(response["Location"]).content.decode()
    assert "Thank you for your feedback." in page


def test_feedback_with_htmx_swaps_in_a_thank_you(client, user):
    client.force_login(user)
    response = client.post(
        reverse("docs:page_feedback", kwargs={"slug": "models"}), {"helpful": "yes"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Thank you for your feedback." in response.content.decode()
    assert "<html" not in response.content.decode()
    feedback = PageFeedback.objects.get()
    assert feedback.helpful is True and feedback.user == user and feedback.comment == ""


def test_feedback_needs_an_answer(client):
    client.post(reverse("docs:page_feedback", kwargs={"slug": "models"}), {"comment": "hmm"})
    assert not PageFeedback.objects.exists()


def test_feedback_on_unknown_page_is_404(client):
    assert client.post("/docs/nope/feedback/", {"helpful": "yes"}).status_code == 404


def test_feedback_and_views_are_in_the_admin(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    PageFeedback.objects.create(page_slug="models", language="en", helpful=False, comment="More examples")
    PageView.objects.create(page_slug="models", language="en")
    client.force_login(staff_user)
    assert "More examples" in client.get(reverse("admin:docs_pagefeedback_changelist")).content.decode()
    assert client.get(reverse("admin:docs_pageview_changelist")).status_code == 200
    assert client.get(reverse("admin:docs_docsection_changelist")).status_code == 200


def test_page_renders_in_bounded_queries(client, user, django_assert_max_num_queries):
    client.force_login(user)
    client.get(reverse("docs:page", kwargs={"slug": "models"}))
    with django_assert_max_num_queries(8):
        client.get(reverse("docs:page", kwargs={"slug": "chat-completions"}))


def test_answering_again_updates_the_readers_feedback(client):
    """One answer per reader and page: a second answer (say, adding a comment) updates it."""
    url = reverse("docs:page_feedback", kwargs={"slug": "models"})
    client.post(url, {"helpful": "yes"})
    client.post(url, {"helpful": "no", "comment": "The table is cut off on my phone"})
    feedback = PageFeedback.objects.get()
    assert (feedback.helpful, feedback.comment) == (False, "The table is cut off on my phone")
    client.post(reverse("docs:page_feedback", kwargs={"slug": "embeddings"}), {"helpful": "yes"})
    assert PageFeedback.objects.count() == 2
