"""Hostile text in what members and managers write on a hackathon (team names, the rules,
the title, judges' comments) runs nothing on its pages: the payloads of the site's XSS
corpus, scanned as tests/security does."""

from pathlib import Path

import pytest
from django.urls import reverse

from community.hackathons.models import Hackathon, Team, TeamMember
from tests.hackathons.conftest import make_member
from tests.security.test_xss_corpus import scan

PAYLOADS = [
    line.replace("\\n", "\n")
    for line in (Path(__file__).parents[1] / "security" / "xss_payloads.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]


@pytest.mark.django_db
def test_no_payload_runs_on_hackathon_pages(client, hackathon, manager):
    Hackathon.objects.filter(pk=hackathon.pk).update(title=PAYLOADS[0][:200], rules="\n\n".join(PAYLOADS))
    teams = Team.objects.bulk_create(
        Team(hackathon=hackathon, name=f"{index} {payload}"[:80], invite_code=f"X{index:07d}")
        for index, payload in enumerate(PAYLOADS)
    )
    member = make_member("xss@example.org", "xss")
    TeamMember.objects.create(team=teams[0], hackathon=hackathon, user=member)
    assert len(PAYLOADS) > 100
    pages = [reverse("hackathons:list"), reverse("hackathons:detail", kwargs={"hackathon_id": hackathon.pk})]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert scan(response.content.decode()) == [], path
    client.force_login(member)
    for name in ("team", "submit", "results"):
        response = client.get(reverse(f"hackathons:{name}", kwargs={"hackathon_id": hackathon.pk}))
        assert response.status_code == 200, name
        assert scan(response.content.decode()) == [], name
    client.force_login(manager)
    response = client.get(reverse("hackathons:judge", kwargs={"hackathon_id": hackathon.pk}))
    assert response.status_code == 200 and scan(response.content.decode()) == []
