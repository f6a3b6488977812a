"""The member's rewards pages, the profile section, the admin's rules with their history,
in both languages."""

import pytest
from django.urls import reverse

from community.rewards.models import EntryKind, PointsEntry, Rule
from community.rewards.selectors import leaderboard_opted_out
from community.rewards.services import REASON_VOTE_WITHDRAWN, points_award, points_reverse, points_spend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_pages_need_a_member(client):
    for name in ("rewards:hub", "rewards:history"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(reverse("rewards:leaderboard_optout"), {"opt_out": "1"}).status_code == 302


def test_hub_shows_standing_recent_points_and_the_nav_link(client, user):
    points_award(user_id=user.pk, rule="forum.answer.accepted", cause="accept:1")
    points_spend(user_id=user.pk, amount=5, cause="store:1", note="Sticker pack")
    client.force_login(user)
    html = client.get(reverse("rewards:hub")).content.decode()
    assert '<div class="display-6" id="reputation">15</div>' in html
    assert '<div class="display-6" id="balance">10</div>' in html
    assert "Your answer was accepted" in html and "Sticker pack" in html
    assert 'href="/rewards/"' in html and ">Rewards</a>" in html
    assert reverse("rewards:history") in html


def test_history_explains_every_entry_in_chinese(client, user, other_user):
    points_award(user_id=user.pk, rule="forum.answer.upvoted", cause="vote:1:2", counterpart_id=other_user.pk)
    points_reverse(user_id=user.pk, rule="forum.answer.upvoted", cause="vote:1:2", reason=REASON_VOTE_WITHDRAWN)
    points_award(user_id=user.pk, rule="forum.question.upvoted", cause="vote:3:4", counterpart_id=user.pk)
    client.force_login(user)
    english = client.get(reverse("rewards:history")).content.decode()
    assert "Your answer was upvoted" in english and "The vote was withdrawn." in english
    assert "No points from your own post or action. 5 points not counted." in english
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("rewards:history")).content.decode()
    assert "你的回答获得了赞" in chinese and "投票已撤销。" in chinese
    assert "自己的帖子或操作不获得点数。 5 点数未计入。" in chinese
    assert "点数记录" in chinese


def test_a_rule_a_manager_renamed_shows_as_written(client, user):
    Rule.objects.filter(key="api.first_call").update(name="Hello, first caller")
    points_award(user_id=user.pk, rule="api.first_call", cause="first_call")
    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    assert "Hello, first caller" in client.get(reverse("rewards:history")).content.decode()


def test_history_paginates_in_a_fixed_number_of_queries(client, user, django_assert_max_num_queries):
    voters = UserFactory.create_batch(3)
    for n in range(60):
        points_award(
            user_id=user.pk,
            rule="forum.answer.upvoted",
            cause=f"vote:{n}",
            counterpart_id=voters[n % 3].pk,
            category_id=n,
            amount=1,
        )
    points_spend(user_id=user.pk, amount=1, cause="store:1", note="x")
    client.force_login(user)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("rewards:history"))
    assert first.content.decode().count('<tr data-kind="') == 50
    second = client.get(reverse("rewards:history"), {"page": 2}).content.decode()
    assert second.count('<tr data-kind="') == 11


def test_hub_queries_are_bounded(client, user, monkeypatch, django_assert_max_num_queries):
    """The hub's own queries are fixed (standing, recent entries, rule names, opt-out); each
    section another app registers brings its own few, never one per entry."""
    from community.rewards import hub

    for n in range(30):
        points_award(user_id=user.pk, rule="forum.answer.upvoted", cause=f"vote:{n}", amount=1)
    client.force_login(user)
    client.get(reverse("rewards:hub"))  # the session and the user, cached after the first page
    sections = len(hub.HUB_SECTIONS)
    with django_assert_max_num_queries(4 + 2 * sections):
        client.get(reverse("rewards:hub"))
    monkeypatch.setattr(hub, "HUB_SECTIONS", [])
    with django_assert_max_num_queries(4):
        client.get(reverse("rewards:hub"))


def test_history_shows_only_my_entries(client, user, other_user):
    points_award(user_id=other_user.pk, rule="api.first_call", cause="first_call", note="someone else's")
    client.force_login(user)
    assert "someone else" not in client.get(reverse("rewards:history")).content.decode()


def test_leaderboard_opt_out_toggles(client, user):
    client.force_login(user)
    response = client.post(reverse("rewards:leaderboard_optout"), {"opt_out": "1"}, follow=True)
    assert leaderboard_opted_out(user_id=user.pk)
    assert "You are hidden from the leaderboards." in response.content.decode()
    client.post(reverse("rewards:leaderboard_optout"), {"opt_out": "0"})
    assert not leaderboard_opted_out(user_id=user.pk)
    assert client.get(reverse("rewards:leaderboard_optout")).status_code == 405


def test_the_public_profile_shows_reputation_and_only_its_owner_the_balance(client, user, other_user):
    points_award(user_id=user.pk, rule="forum.answer.accepted", cause="accept:1")
    url = reverse("accounts:profile", kwargs={"handle": user.profile.handle})
    client.force_login(other_user)
    html = client.get(url).content.decode()
    assert '<span class="fs-4 fw-semibold" data-reputation>15</span>' in html
    assert "spendable" not in html
    client.force_login(user)
    assert "15 spendable" in client.get(url).content.decode()


def test_rule_changes_are_kept_with_who_and_when(client, staff_user):
    """A manager tunes a rule in the admin; its history lists the change with the manager
    and the old and new values. Rules are neither added nor deleted there."""
    from portal.accounts.roles import Role
    from portal.accounts.services import user_set_role

    manager = user_set_role(user=UserFactory(email="cm@example.com"), role=Role.COMMUNITY_MANAGER)
    rule = Rule.objects.get(key="forum.answer.upvoted")
    client.force_login(manager)
    url = reverse("admin:rewards_rule_change", args=[rule.pk])
    response = client.post(
        url,
        {"name": rule.name, "description": "", "points": 12, "daily_cap": "", "vote_capped": "on", "enabled": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert rule.points == 12
    latest, previous = rule.history.all()[:2]
    assert (latest.history_user, latest.points, previous.points) == (manager, 12, 10)
    assert [change.field for change in latest.diff_against(previous).changes] == ["points"]
    history = client.get(reverse("admin:rewards_rule_history", args=[rule.pk])).content.decode()
    assert "cm@example.com" in history
    assert client.get(reverse("admin:rewards_rule_add")).status_code == 403
    assert client.post(reverse("admin:rewards_rule_delete", args=[rule.pk])).status_code == 403


def test_the_admin_never_edits_the_ledger(client, user):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser(email="root@example.com", password="x-long-password-1")
    entry = points_award(user_id=user.pk, rule="api.first_call", cause="first_call")
    client.force_login(root)
    change = reverse("admin:rewards_pointsentry_change", args=[entry.pk])
    assert client.get(change).status_code == 200  # view only
    client.post(change, {"amount": 1000})
    assert client.post(reverse("admin:rewards_pointsentry_delete", args=[entry.pk])).status_code == 403
    assert list(PointsEntry.objects.values_list("kind", "amount")) == [(EntryKind.AWARD, 10)]
