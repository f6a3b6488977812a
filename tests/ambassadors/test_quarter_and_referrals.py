"""The managers' quarter report against a known history, and referral links attributing
sign-ups to their ambassador."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from community.ambassadors.models import Referral, ReferralVisit
from community.ambassadors.selectors import Quarter, quarter_parse, quarter_report
from community.ambassadors.services import referral_attach
from community.events.models import Event, Registration
from community.forums.models import Category, Post, Thread
from community.recipes.models import Recipe
from community.showcase.models import Entry
from portal.accounts.models import User
from tests.factories import UserFactory

from .conftest import deliver

pytestmark = pytest.mark.django_db

Q2 = Quarter(2026, 2)  # April to June 2026
IN_Q2 = datetime(2026, 5, 10, 18, 0, tzinfo=UTC)
IN_Q1 = datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
IN_Q3 = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)


def event(organiser, *, title, starts_at, status="published", registered=0, attended=0):
    row = Event.objects.create(
        organiser=organiser,
        title=title,
        slug=title.lower().replace(" ", "-"),
        kind="meetup",
        status=status,
        timezone="Europe/Lisbon",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
    )
    for i in range(registered):
        Registration.objects.create(
            event=row,
            user=UserFactory(email=f"{row.slug}-{i}@example.org"),
            status="registered",
            attended_at=starts_at if i < attended else None,
        )
    return row


def answer(author, thread, *, at, accepted=False):
    post = Post.objects.create(thread=thread, author=author, body="Use a smaller learning rate.", created_at=at)
    if accepted:
        Thread.objects.filter(pk=thread.pk).update(accepted_answer=post)
    return post


def test_the_quarter_report_counts_a_known_history(client, manager, ambassador, applicant):
    asker = UserFactory(email="asker@example.org")
    qa = Category.objects.create(name="Help", slug="help", kind="qa")
    talk = Category.objects.create(name="Lounge", slug="lounge", kind="discussion")

    def thread(title, category=qa, author=asker):
        return Thread.objects.create(category=category, author=author, title=title, slug=title.lower()[:40])

    # Events: two published in Q2 (7/5 and 3/2 registered/attended), one in Q3, one cancelled, one elsewhere's.
    event(applicant, title="LoRA night", starts_at=IN_Q2, registered=7, attended=5)
    event(applicant, title="RAG workshop", starts_at=IN_Q2 + timedelta(days=20), registered=3, attended=2)
    event(applicant, title="Summer meetup", starts_at=IN_Q3, registered=4, attended=4)
    event(applicant, title="Cancelled talk", starts_at=IN_Q2, status="cancelled", registered=2)
    event(manager, title="Not theirs", starts_at=IN_Q2, registered=1, attended=1)
    # Answers: three to others' Q&A questions in Q2 (one accepted), one in Q1, one in a
    # discussion, one hidden, one to their own question.
    answer(applicant, thread("Why is loss NaN"), at=IN_Q2, accepted=True)
    answer(applicant, thread("Tokens per second"), at=IN_Q2)
    answer(applicant, thread("Stop sequences"), at=IN_Q2 + timedelta(days=30))
    answer(applicant, thread("Old question"), at=IN_Q1, accepted=True)
    answer(applicant, thread("Chit chat", category=talk), at=IN_Q2)
    hidden = answer(applicant, thread("Spammy"), at=IN_Q2)
    Post.objects.filter(pk=hidden.pk).update(is_hidden=True)
    answer(applicant, thread("My own question", author=applicant), at=IN_Q2)
    # Showcase: one published in Q2, one in Q3, one hidden.
    for title, when, is_hidden in (("Chatbot", IN_Q2, False), ("Later app", IN_Q3, False), ("Gone", IN_Q2, True)):
        Entry.objects.create(
            author=applicant,
            title=title,
            slug=title.lower().replace(" ", "-"),
            tagline="An app",
            description="Built on Atrium.",
            published_at=when,
            is_hidden=is_hidden,
        )
    # Recipes: one published in Q2, one in Q1.
    for job, when in (("ftjob-q2", IN_Q2), ("ftjob-q1", IN_Q1)):
        recipe = Recipe.objects.create(author=applicant, job_id=job, title=job, base_model="tiny", fork_count=3)
        Recipe.objects.filter(pk=recipe.pk).update(published_at=when)
    # Referrals: two sign-ups in Q2, one in Q3.
    for i, when in enumerate((IN_Q2, IN_Q2 + timedelta(days=1), IN_Q3)):
        Referral.objects.create(ambassador=ambassador, user=UserFactory(email=f"ref{i}@example.org"), signed_up_at=when)

    report = quarter_report(user_id=applicant.pk, quarter=Q2)
    assert [e["title"] for e in sorted(report.events, key=lambda e: e["starts_at"])] == ["LoRA night", "RAG workshop"]
    assert (report.events_registered, report.events_attended) == (10, 7)
    assert (report.answers, report.accepted_answers) == (3, 1)
    assert [entry.title for entry in report.showcase_entries] == ["Chatbot"]
    assert [recipe["title"] for recipe in report.recipes] == ["ftjob-q2"]
    assert report.referrals == 2

    client.force_login(manager)
    page = client.get(reverse("ambassadors:quarter", kwargs={"user_id": applicant.pk}), {"quarter": "2026-Q2"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-figure="attendance">10 / 7<' in html and 'data-figure="answers">3 / 1<' in html
    assert 'data-figure="referrals">2<' in html and 'data-figure="events">2<' in html
    q3 = quarter_report(user_id=applicant.pk, quarter=quarter_parse("2026Q3"))
    assert (len(q3.events), q3.events_attended, q3.referrals, len(q3.showcase_entries)) == (1, 4, 1, 1)


def test_quarters_parse_and_bound():
    assert (Q2.start, Q2.end) == (datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))
    assert Quarter(2026, 4).end == datetime(2027, 1, 1, tzinfo=UTC)
    assert quarter_parse("2026-Q4") == Quarter(2026, 4)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert isinstance(quarter_parse("nonsense'); drop"), Quarter)  # the current quarter


@override_settings(ACCOUNT_EMAIL_VERIFICATION="none")
def test_a_sign_up_through_a_referral_link_is_attributed_to_the_ambassador(client, ambassador, applicant):
    url = reverse("ambassadors:referral", kwargs={"code": ambassador.referral_code})
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("account_signup")
    client.get(url)  # opened twice: one visit
    assert ReferralVisit.objects.filter(ambassador=ambassador).count() == 1
    password = "a-much-longer-passphrase-2026"
    signup = client.post(
        reverse("account_signup"), {"email": "friend@example.org", "password1": password, "password2": password}
    )
    assert signup.status_code == 302
    deliver()
    deliver()  # delivered twice: attributed once
    friend = User.objects.get(email="friend@example.org")
    [referral] = Referral.objects.filter(user=friend)
    assert referral.ambassador_id == applicant.pk
    # Another browser signing up without the link is nobody's referral.
    other = client.__class__()
    other.post(reverse("account_signup"), {"email": "solo@example.org", "password1": password, "password2": password})
    deliver()
    assert not Referral.objects.filter(user__email="solo@example.org").exists()
    assert Referral.objects.count() == 1


def test_unknown_codes_and_old_visits_refer_nobody(client, ambassador, applicant):
    assert client.get(reverse("ambassadors:referral", kwargs={"code": "nope"})).status_code == 302
    assert not ReferralVisit.objects.exists()
    now = datetime(2026, 6, 1, tzinfo=UTC)
    ReferralVisit.objects.create(ambassador=ambassador, device_hash="d" * 64, visited_at=now - timedelta(days=31))
    newcomer = UserFactory(email="late@example.org")
    assert referral_attach(user_id=newcomer.pk, device_hash="d" * 64, signed_up_at=now) is None
    # The ambassador's own second account from their browser is not a referral.
    ReferralVisit.objects.create(ambassador=ambassador, device_hash="e" * 64, visited_at=now)
    assert referral_attach(user_id=applicant.pk, device_hash="e" * 64, signed_up_at=now) is None
    assert referral_attach(user_id=newcomer.pk, device_hash="e" * 64, signed_up_at=now).ambassador_id == applicant.pk
