"""The site's translations: compile ``locale/*/LC_MESSAGES/django.po`` to ``.mo`` with
polib, so no gettext tools are needed, and check that a catalogue is complete."""

from __future__ import annotations

import re
from pathlib import Path

import polib
from django.conf import settings

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def catalogues() -> list[Path]:
    return sorted(Path(settings.LOCALE_PATHS[0]).glob("*/LC_MESSAGES/django.po"))


def catalogue_compile(po_path: Path) -> Path:
    """Write the .mo beside ``po_path`` (what Django reads at run time)."""
    mo_path = po_path.with_suffix(".mo")
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


def catalogue_problems(po_path: Path) -> list[str]:
    """Untranslated or fuzzy entries, and translations whose placeholders differ."""
    problems = []
    for entry in polib.pofile(str(po_path)):
        if entry.obsolete:
            continue
        if not entry.translated():
            problems.append(f"untranslated: {entry.msgid!r}")
            continue
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        expected = set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in translations:
            if set(PLACEHOLDER.findall(text)) != expected:
                problems.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")
    return problems
