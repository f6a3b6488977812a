"""The badge pages: every badge by grade with its holders and the viewer's own, each badge's
holders and when, the honors; the profile section; both languages; no N+1."""

import pytest
from django.urls import reverse

from community.badges.models import Badge, BadgeAward, Honor, HonorKind
from community.badges.services import badge_rows
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def award(user, slug: str, cause: str = "", url: str = "") -> BadgeAward:
    return BadgeAward.objects.create(user=user, badge=badge_rows()[slug], cause=cause, url=url)


def test_index_lists_badges_by_grade_with_holders_and_marks_the_viewers(client, user, other_user):
    award(user, "first-key")
    award(other_user, "first-key")
    award(other_user, "great-answer", cause="post:1", url="/community/p/1/")
    client.force_login(user)
    html = client.get(reverse("badges:index")).content.decode()
    for text in ("Bronze badges", "Silver badges", "Gold badges", "First Key", "Great Answer", "2 holders", "1 holder"):
        assert text in html, text
    # Earned: marked with words, not colour alone; the others show progress.
    first_key = html.split('data-badge="first-key"')[1].split('data-badge="')[0]
    assert "Earned" in first_key and "badge-earned" in html.split('data-badge="first-key"')[0].rsplit("<div", 1)[1]
    assert "Your progress: 0 of 10" in html  # Solved ×10
    assert "<svg" in html and "badge-icon-gold" in html


def test_a_switched_off_badge_is_not_listed_but_its_page_says_so(client, user):
    award(user, "supporter")
    Badge.objects.filter(slug="supporter").update(enabled=False)
    assert 'data-badge="supporter"' not in client.get(reverse("badges:index")).content.decode()
    html = client.get(reverse("badges:detail", kwargs={"slug": "supporter"})).content.decode()
    assert "no longer awarded" in html and user.profile.name in html


def test_unknown_badge_is_404(client, db):
    assert client.get(reverse("badges:detail", kwargs={"slug": "no-such-badge"})).status_code == 404


def test_index_queries_do_not_grow_with_holders(client, user, django_assert_max_num_queries):
    for i in range(30):
        member = UserFactory(email=f"holder{i}@example.org")
        award(member, "first-key")
        award(member, "nice-answer", cause=f"post:{i}", url=f"/community/p/{i}/")
    client.force_login(user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("badges:index"))
    assert response.status_code == 200 and "30 holders" in response.content.decode()


def test_detail_lists_holders_and_when_paginated(client, user, django_assert_max_num_queries):
    members = [UserFactory(email=f"holder{i}@example.org") for i in range(55)]
    for i, member in enumerate(members):
        award(member, "nice-answer", cause=f"post:{i}", url=f"/community/p/{i}/")
    award(members[0], "nice-answer", cause="post:999", url="/community/p/999/")
    url = reverse("badges:detail", kwargs={"slug": "nice-answer"})
    with django_assert_max_num_queries(10):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "55 holders" in html and "An answer reached a score of 5." in html
    assert html.count('href="/community/p/') == 50 and "?page=2" in html
    assert members[0].profile.name in html and "<time" in html
    with django_assert_max_num_queries(10):
        second = client.get(url, {"page": 2}).content.decode()
    assert second.count('href="/community/p/') == 6


def test_deactivated_members_are_not_listed(client, user, other_user):
    award(user, "first-key")
    award(other_user, "first-key")
    other_user.is_active = False
    other_user.save(update_fields=["is_active"])
    html = client.get(reverse("badges:detail", kwargs={"slug": "first-key"})).content.decode()
    assert "1 holder" in html and other_user.profile.name not in html


def test_honors_page_shows_each_honor_with_its_citation_escaped(client, user, staff_user):
    kind = HonorKind.objects.get(slug="contributor-of-the-month")
    Honor.objects.create(
        user=user, kind=kind, citation="Answered <b>every</b> streaming question.", awarded_by=staff_user, key=_key()
    )
    html = client.get(reverse("badges:honors")).content.decode()
    assert "Contributor of the Month" in html and "Technical Pioneer" in html
    assert "Answered &lt;b&gt;every&lt;/b&gt; streaming question." in html
    assert user.profile.name in html


def _key():
    import uuid

    return uuid.uuid4()


def test_profile_shows_badges_and_honors(client, user, staff_user, django_assert_max_num_queries):
    award(user, "first-key")
    award(user, "nice-answer", cause="post:1")
    award(user, "nice-answer", cause="post:2")
    award(user, "great-answer", cause="post:1")
    kind = HonorKind.objects.get(slug="technical-pioneer")
    Honor.objects.create(user=user, kind=kind, citation="Wrote the LoRA guide.", awarded_by=staff_user, key=_key())
    url = reverse("accounts:profile", kwargs={"handle": user.profile.handle})
    html = client.get(url).content.decode()
    section = html.split('id="profile-badges-heading"')[1]
    assert "1 gold badge" in section and "3 bronze badges" in section
    assert "Great Answer" in section and "×2" in section and "First Key" in section
    assert "Technical Pioneer" in section and "Wrote the LoRA guide." in section
    # Gold first.
    assert section.index("Great Answer") < section.index("Nice Answer")


def test_profile_without_badges_invites_only_its_owner(client, user, other_user):
    url = reverse("accounts:profile", kwargs={"handle": user.profile.handle})
    client.force_login(other_user)
    assert 'id="profile-badges-heading"' not in client.get(url).content.decode()
    client.force_login(user)
    assert "See what earns them" in client.get(url).content.decode()


@pytest.mark.parametrize("name", ["index", "honors"])
def test_pages_read_in_chinese(client, user, name):
    from tests.docs.test_translations import english_on_page

    award(user, "first-key")
    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse(f"badges:{name}")).content.decode()
    assert '<html lang="zh-hans"' in html
    assert english_on_page(html, allowed_texts={user.profile.name, user.email, user.profile.handle}) == []


def test_detail_reads_in_chinese(client, user):
    from tests.docs.test_translations import english_on_page

    award(user, "great-answer", cause="post:1", url="/community/p/1/")
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("badges:detail", kwargs={"slug": "great-answer"})).content.decode()
    assert english_on_page(html, allowed_texts={user.profile.name}) == []


def test_the_rewards_hub_shows_my_badges_and_honors(client, user, staff_user):
    client.force_login(user)
    html = client.get(reverse("rewards:hub")).content.decode()
    assert 'id="hub-badges-heading"' in html and "No badges yet." in html
    award(user, "first-call")
    kind = HonorKind.objects.get(slug="contributor-of-the-month")
    honor = Honor.objects.create(user=user, kind=kind, citation="Thanks.", awarded_by=staff_user, key=_key())
    html = client.get(reverse("rewards:hub")).content.decode()
    section = html.split('id="hub-badges-heading"')[1].split("</section>")[0]
    assert "First Call" in section and "Bronze" in section
    assert f'href="/rewards/honors/#honor-{honor.pk}"' in section and "Contributor of the Month" in section
    assert 'href="/rewards/badges/"' in section
