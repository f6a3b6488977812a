"""Sections of the public profile page that other apps contribute.

An app appends a ``ProfileSection`` from its ``AppConfig.ready()``::

    from portal.accounts.profile_sections import ProfileSection, register

    register(ProfileSection(template="rewards/_profile_badges.html", order=20))

The template is included on /u/<handle>/ with ``profile`` (the Profile being viewed,
its ``user`` selected) and ``request`` in its context; it loads what it shows itself
(e.g. with an inclusion tag) and renders nothing when it has nothing to show.
"""

from dataclasses import dataclass

# The page's own "About" section comes first (order 0); contributed sections follow.


@dataclass(frozen=True)
class ProfileSection:
    template: str
    order: int = 100


PROFILE_SECTIONS: list[ProfileSection] = [ProfileSection(template="accounts/sections/_about.html", order=0)]


def register(section: ProfileSection) -> None:
    """Add a section (idempotent: registering the same template twice keeps one)."""
    if all(existing.template != section.template for existing in PROFILE_SECTIONS):
        PROFILE_SECTIONS.append(section)


def profile_section_templates() -> list[str]:
    return [section.template for section in sorted(PROFILE_SECTIONS, key=lambda s: s.order)]
