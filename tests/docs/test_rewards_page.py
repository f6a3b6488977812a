"""The Community rewards page tells the truth: its figures come from the product as it runs
(portal/docs/live.py), in both languages, and follow the managers' changes."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from community.rewards.rules import DEFAULT_RULES, rule_defaults
from portal.docs import pages
from portal.docs.live import MARKER, live_fill, live_names

pytestmark = pytest.mark.django_db

URL = reverse("docs:page", kwargs={"slug": "rewards"})


def _rules_table(html: str) -> dict[str, str]:
    """{rule name: points} from the page's first table (the rules)."""
    table = html.split('id="how-you-earn-points"', 1)[1].split("<table>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td[^>]*>(.*?)</td>", table, re.S)
    return {name.strip(): points.strip() for name, points in rows}


def _expected() -> dict[str, str]:
    """Every rule code defines (DEFAULT_RULES and those later apps register) with its points;
    a 0-point rule (the bounty) pays what was offered. In the active language."""
    assert {rule.key for rule in DEFAULT_RULES} <= {rule.key for rule in rule_defaults()}
    expected = {
        translation.gettext(rule.description): f"{rule.points:+d}"
        if rule.points
        else translation.gettext("the amount offered")
        for rule in rule_defaults()
    }
    assert expected[translation.gettext("Your answer received a bounty")] == translation.gettext("the amount offered")
    return expected


def test_the_rules_table_shows_every_default_rule_with_its_points(client):
    """A fresh site shows every rule exactly: each rule that earns or costs points, with its amount."""
    shown = _rules_table(client.get(URL).content.decode())
    assert shown == _expected()


def test_the_rules_table_follows_the_managers_changes(client):
    """Managers tune a rule in the admin: the page shows the new amount and cap at once, and
    a rule switched off leaves the table."""
    from community.rewards.services import rule_get

    accepted = rule_get(key="forum.answer.accepted")
    accepted.points = 25
    accepted.daily_cap = 100
    accepted.save()
    feedback = rule_get(key="docs.feedback")
    feedback.enabled = False
    feedback.save()

    html = client.get(URL).content.decode()
    shown = _rules_table(html)
    assert shown["Your answer was accepted"] == "+25"
    assert "at most 100 points a day" in html
    assert "You gave feedback on a docs page" not in shown


def test_the_vote_cap_and_anti_gaming_figures_come_from_the_settings(client, settings):
    settings.REWARDS_VOTE_DAILY_CAP = 150
    settings.REWARDS_SERIAL_VOTES_PER_DAY = 4
    html = client.get(URL).content.decode()
    assert "at most <strong>150 points a day</strong> from upvotes" in html
    assert "votes on 4 or" in html


def test_the_page_in_chinese_shows_the_rules_translated(client):
    client.cookies["django_language"] = "zh-hans"
    html = client.get(URL).content.decode()
    assert "<title>社区奖励" in html and "此页面尚未翻译" not in html
    shown = _rules_table(html)
    with translation.override("zh-hans"):
        assert shown == _expected()
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in shown), shown


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_no_page_shows_a_marker_nobody_filled(client, language):
    """Every [[name]] a page writes has a provider (the quickstart key box is the view's)."""
    client.cookies["django_language"] = language
    for slug in pages.PAGE_ORDER:
        html = client.get(reverse("docs:page", kwargs={"slug": slug})).content.decode()
        assert not MARKER.search(html), (slug, MARKER.findall(html))


def test_every_live_value_is_used_by_the_page_in_both_languages():
    """The English and the Chinese page write the same markers, and every provider is used."""
    markers = {
        language: {m.group("name") for m in MARKER.finditer(pages.page_get("rewards", language).source)}
        for language in ("en", "zh-hans")
    }
    assert markers["en"] == markers["zh-hans"]
    assert markers["en"] == set(live_names())


def test_a_page_without_markers_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert live_fill("No [[unknown]] value here.") == "No [[unknown]] value here."


def test_the_trust_tables_follow_the_managers_settings(client, staff_user):
    """A manager changes what Member needs and where a privilege starts: the page says so."""
    from community.trust.services import trust_setting_set
    from portal.accounts.roles import Role
    from portal.accounts.services import user_set_role

    user_set_role(user=staff_user, role=Role.COMMUNITY_MANAGER)

    html = client.get(URL).content.decode()
    assert re.search(r"<td>Days visited</td>\s*<td[^>]*>—</td>\s*<td[^>]*>15</td>", html)
    trust_setting_set(manager=staff_user, key="member.days_visited", value=20)
    trust_setting_set(manager=staff_user, key="privilege.downvote", value=2)  # from Member on

    html = client.get(URL).content.decode()
    assert re.search(r"<td>Days visited</td>\s*<td[^>]*>—</td>\s*<td[^>]*>20</td>", html)
    member_row = re.search(r"<td>Member</td>\s*<td>(.*?)</td>", html).group(1)
    basic_row = re.search(r"<td>Basic</td>\s*<td>(.*?)</td>", html).group(1)
    assert "Downvote posts" in member_row and "Downvote posts" not in basic_row


def test_the_badges_table_lists_the_badges_awarded_now(client):
    """Every badge defined, by grade, linked to its page; one managers switched off is gone."""
    from community.badges.definitions import BADGES
    from community.badges.models import Badge
    from community.badges.services import badges_sync

    html = client.get(URL).content.decode()
    for badge in BADGES:
        assert f'<a href="/rewards/badges/{badge.slug}/">{badge.name}</a>' in html, badge.slug
    badges_sync()
    Badge.objects.filter(slug="supporter").update(enabled=False)
    assert "/rewards/badges/supporter/" not in client.get(URL).content.decode()
