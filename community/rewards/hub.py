"""Sections of the /rewards/ hub that other apps contribute (levels, badges, store, ...).

An app appends a ``HubSection`` from its ``AppConfig.ready()``::

    from community.rewards.hub import HubSection, register

    register(HubSection(template="trust/_hub_section.html", order=20))

The template is included on the hub with ``request`` and ``standing`` (the member's
``selectors.Standing``) in its context; it loads what it shows itself (an inclusion tag)
and renders nothing when it has nothing to show. Links to other apps' pages go in
``HUB_LINKS`` here too, but are shown only where their URL names resolve.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class HubSection:
    template: str
    order: int = 100


HUB_SECTIONS: list[HubSection] = []

# (URL name, label): the hub links each page that exists in this deployment.
HUB_LINKS: list[tuple[str, object]] = [
    ("rewards:history", _("Points history")),
    ("rewards:leaderboard", _("Leaderboard")),
    ("trust:levels", _("Trust levels")),
    ("badges:index", _("Badges")),
    ("badges:honors", _("Honors")),
    ("store:index", _("Rewards store")),
    ("forums:bounties", _("Bounties")),
]


def register(section: HubSection) -> None:
    """Add a section (idempotent: registering the same template twice keeps one)."""
    if all(existing.template != section.template for existing in HUB_SECTIONS):
        HUB_SECTIONS.append(section)


def hub_section_templates() -> list[str]:
    return [section.template for section in sorted(HUB_SECTIONS, key=lambda s: s.order)]


def hub_links() -> list[tuple[str, object]]:
    """(url, label) of the hub's links whose pages exist."""
    links = []
    for name, label in HUB_LINKS:
        try:
            links.append((reverse(name), label))
        except NoReverseMatch:
            continue
    return links
