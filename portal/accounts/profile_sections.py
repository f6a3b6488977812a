"""Sections of the public profile page that other apps contribute.

An app appends a ``ProfileSection`` from its ``AppConfig.ready()``::

    from portal.accounts.profile_sections import ProfileSection, register

    register(ProfileSection(template="rewards/_profile_badges.html", order=20))

The template is included on /u/<handle>/ with ``profile`` (the Profile being viewed,
its ``user`` selected), ``is_owner`` and ``request`` in its context; it loads what it
shows itself (e.g. with an inclusion tag) and renders nothing when it has nothing to show.

What a section shows may depend on whether the viewer is the member (their progress, the
edit links) or holds permissions (moderators see hidden posts, managers get controls);
for everyone else (visitors and developers, nearly every view) it is the same page, so
the sections are rendered once per member and language and shared for
``SHARED_SECONDS`` (as the leaderboards are), or until the member edits their profile.
A section must therefore not show anything else that depends on who is looking.
"""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation

from portal import cache_versions

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


SHARED_SECONDS = 60


def profile_version_key(user_id: int) -> str:
    return f"accounts:profile:version:{user_id}"


def profile_sections_html(*, request, profile, is_owner: bool) -> str:
    """The profile's sections rendered, shared between viewers who see the same page."""

    def render() -> str:
        context = {"profile": profile, "is_owner": is_owner, "sections": profile_section_templates()}
        return render_to_string("accounts/_profile_sections.html", context, request=request)

    viewer = request.user
    if is_owner or (viewer.is_authenticated and (viewer.is_staff or viewer.get_all_permissions())):
        return render()
    key = f"accounts:profile:sections:{profile.user_id}:{translation.get_language()}"
    return cache_versions.get_or_compute(key, [profile_version_key(profile.user_id)], render, SHARED_SECONDS)
