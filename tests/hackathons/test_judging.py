"""Judging: only managers score (others get 403), scoring opens when submissions close,
the ranking is the judges' average score with ties going to public votes, the people's
choice is the most-voted entry, and the results page shows it once finalised."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community.hackathons import services
from community.hackathons.models import Score
from tests.hackathons.conftest import entry, make_member, vote, window

pytestmark = pytest.mark.django_db


def _team_with_entry(hackathon, user, name: str):
    team = services.team_create(user=user, hackathon=hackathon, name=name)
    published = entry(user, title=f"{name} app")
    services.submission_submit(user=user, hackathon=hackathon, entry_id=published.pk)
    return team.submission, published


def _score(hackathon, judge, submission, api: int, polish: int):
    criteria = list(hackathon.criteria.order_by("position"))
    services.scores_set(
        judge=judge,
        submission=submission,
        scores={criteria[0].pk: (api, "API use"), criteria[1].pk: (polish, "Polish")},
    )


@pytest.fixture
def entries(hackathon, ada, bob, cy):
    rows = [_team_with_entry(hackathon, user, name) for user, name in ((ada, "Alpha"), (bob, "Beta"), (cy, "Gamma"))]
    window(hackathon, "closed")
    return rows


def test_judging_pages_are_for_managers_only(client, hackathon, entries, ada, manager):
    judge_url = reverse("hackathons:judge", kwargs={"hackathon_id": hackathon.pk})
    finalise_url = reverse("hackathons:finalise", kwargs={"hackathon_id": hackathon.pk})
    submission = entries[0][0]
    criterion = hackathon.criteria.first()
    assert client.get(judge_url).status_code == 302  # to the login page
    staff_without_permission = make_member("staff@example.org")
    staff_without_permission.is_staff = True
    staff_without_permission.save()
    for user in (ada, staff_without_permission):
        client.force_login(user)
        assert client.get(judge_url).status_code == 403
        posted = client.post(judge_url, {"submission": submission.pk, f"s{submission.pk}-score_{criterion.pk}": 10})
        assert posted.status_code == 403
        assert client.post(finalise_url).status_code == 403
    assert not Score.objects.exists()
    with pytest.raises(PermissionDenied):
        services.scores_set(judge=ada, submission=submission, scores={})
    client.force_login(manager)
    page = client.get(judge_url)
    assert page.status_code == 200 and "Alpha app" in page.content.decode()


def test_a_manager_scores_through_the_page_and_bad_scores_are_form_errors(client, hackathon, entries, manager):
    client.force_login(manager)
    url = reverse("hackathons:judge", kwargs={"hackathon_id": hackathon.pk})
    submission = entries[0][0]
    first, second = hackathon.criteria.order_by("position")
    prefix = f"s{submission.pk}"
    bad = client.post(url, {"submission": submission.pk, f"{prefix}-score_{first.pk}": 11})
    assert bad.status_code == 200 and not Score.objects.exists()
    good = {
        "submission": submission.pk,
        f"{prefix}-score_{first.pk}": 8,
        f"{prefix}-comment_{first.pk}": "Clever use of streaming",
        f"{prefix}-score_{second.pk}": 6,
    }
    assert client.post(url, good).status_code == 302
    good[f"{prefix}-score_{second.pk}"] = 7  # a judge may revise their scores
    assert client.post(url, good).status_code == 302
    assert sorted(Score.objects.values_list("criterion_id", "value", "comment")) == sorted(
        [(first.pk, 8, "Clever use of streaming"), (second.pk, 7, "")]
    )


def test_scoring_opens_when_submissions_close(hackathon, ada, manager):
    submission, _published = _team_with_entry(hackathon, ada, "Early")
    with pytest.raises(ValidationError, match="Judging opens when submissions close"):
        _score(hackathon, manager, submission, 5, 5)


def test_ranking_by_average_score_ties_by_votes_and_peoples_choice(client, hackathon, entries, manager):
    (alpha, alpha_entry), (beta, beta_entry), (gamma, gamma_entry) = entries
    second_judge = make_member("judge2@example.org")
    from portal.accounts.roles import Role
    from portal.accounts.services import user_set_role

    user_set_role(user=second_judge, role=Role.COMMUNITY_MANAGER)
    _score(hackathon, manager, alpha, 6, 6)
    _score(hackathon, second_judge, alpha, 8, 8)  # Alpha: 7.00
    _score(hackathon, manager, beta, 9, 5)  # Beta: 7.00, tied with Alpha
    _score(hackathon, manager, gamma, 10, 9)  # Gamma: 9.50
    voters = [make_member(f"voter{n}@example.org") for n in range(3)]
    vote(beta_entry, voters[:2])  # Beta wins the tie on votes
    vote(alpha_entry, voters[2:])
    with pytest.raises(PermissionDenied):
        services.hackathon_finalise(actor=make_member("nobody@example.org"), hackathon=hackathon)
    services.hackathon_finalise(actor=manager, hackathon=hackathon)
    hackathon.refresh_from_db()
    ranked = sorted(hackathon.submissions.all(), key=lambda s: s.rank)
    assert [(s.team.name, s.rank, s.average_score, s.votes) for s in ranked] == [
        ("Gamma", 1, Decimal("9.50"), 0),
        ("Beta", 2, Decimal("7.00"), 2),
        ("Alpha", 3, Decimal("7.00"), 1),
    ]
    assert hackathon.peoples_choice_id == beta.pk
    page = client.get(reverse("hackathons:results", kwargs={"hackathon_id": hackathon.pk})).content.decode()
    choice, table = page.split('id="results"')
    assert "Beta app" in choice.split('id="peoples-choice"')[1]
    assert table.index("Gamma app") < table.index("Beta app") < table.index("Alpha app")
    with pytest.raises(ValidationError, match="finalised"):
        _score(hackathon, manager, alpha, 1, 1)


def test_finalising_needs_every_submission_scored(hackathon, entries, manager):
    _score(hackathon, manager, entries[0][0], 5, 5)
    with pytest.raises(ValidationError, match="Every submission needs"):
        services.hackathon_finalise(actor=manager, hackathon=hackathon)
    hackathon.refresh_from_db()
    assert not hackathon.is_finalised and not hackathon.submissions.filter(rank__isnull=False).exists()


def test_results_before_finalising_and_unpublished_hackathons(client, manager, ada):
    from community.hackathons.services import hackathon_create
    from tests.hackathons.conftest import hackathon_event

    draft = hackathon_create(event_id=hackathon_event(organiser=manager, title="Secret", publish=False).pk)
    url = reverse("hackathons:detail", kwargs={"hackathon_id": draft.pk})
    assert client.get(url).status_code == 404
    client.force_login(ada)
    assert client.get(url).status_code == 404
    client.force_login(manager)
    assert client.get(url).status_code == 200
    results = client.get(reverse("hackathons:results", kwargs={"hackathon_id": draft.pk})).content.decode()
    assert "once the judges have finalised" in results
