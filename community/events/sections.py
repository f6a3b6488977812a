"""Sections of the event page that other apps contribute (hackathons: teams, submissions).

An app registers an ``EventSection`` from its ``AppConfig.ready()``::

    from community.events.sections import EventSection, register

    register(EventSection(template="hackathons/_event_section.html", kinds={"hackathon"}, order=10))

The template is included on the event's page, for events of one of ``kinds`` (every kind
when empty), with ``event``, ``user`` and ``request`` in its context; it loads what it shows
itself (an inclusion tag) and renders nothing when it has nothing to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EventSection:
    template: str
    kinds: frozenset[str] | set[str] = field(default_factory=frozenset)
    order: int = 100


EVENT_SECTIONS: list[EventSection] = []


def register(section: EventSection) -> None:
    """Add a section (idempotent: registering the same template twice keeps one)."""
    if all(existing.template != section.template for existing in EVENT_SECTIONS):
        EVENT_SECTIONS.append(section)


def event_section_templates(kind: str) -> list[str]:
    """The templates the page of an event of ``kind`` includes, in order."""
    return [
        section.template
        for section in sorted(EVENT_SECTIONS, key=lambda s: s.order)
        if not section.kinds or kind in section.kinds
    ]
