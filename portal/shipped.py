"""Content that ships with the product, stored in the database, shown in the reader's language.

Seeded forum categories, the default models' names and cards, the titles of docs pages not
translated yet: Atrium writes them (``seed_demo``, ``prepare_models``) as rows that staff
may later edit. They are English in the database, because the database holds one text per
row; the reader sees them translated at display time.

The rule: a stored text is translated only when it is *exactly* a text the product ships.
Each app declares its shipped texts where it writes them, marked with ``gettext_noop`` so
``makemessages`` extracts them into the catalogue::

    CATEGORIES = [(gettext_noop("Q&A"), gettext_noop("Ask how to do something ..."))]
    shipped_register(*(text for category in CATEGORIES for text in category))

Each app's ``demo`` module (what ``manage.py seed_demo`` writes, run by ``make run``) is
imported on first use, so the content it seeds is declared wherever it is shown; other
modules declare theirs at import (models, ``AppConfig.ready()``).

Templates show the stored value through the ``shipped`` filter (a template builtin)::

    {{ category.description|shipped }}

Why not translate every stored value with ``gettext``: a manager who renames a category or
rewrites a model's card must see their words shown as written, in every language, never
swapped for a catalogue entry that happens to match; and a member's thread titled "Log in"
is not the site's "Log in" button. Why not a translation table in the database: the
shipped texts are part of the code (the catalogue is reviewed with it, and
``tests/docs/test_translations.py`` fails when one has no translation), and edited rows need
none.

A shipped text that is built from values (a model card that states its parameter count) is
registered as a *template* with ``str.format`` fields: a stored text that matches the
English template translates to the Chinese one with the same values put back.
"""

from __future__ import annotations

import re
from importlib import import_module

from django import template
from django.apps import apps
from django.utils.translation import gettext

_texts: set[str] = set()
_templates: dict[str, re.Pattern] = {}

FIELD = re.compile(r"\{(\w+)(?:[:!][^{}]*)?\}")


_demo_modules_imported = False


def _declarations_loaded() -> None:
    """Import every app's ``demo`` module once (the convention ``seed_demo`` follows)."""
    global _demo_modules_imported
    if _demo_modules_imported:
        return
    for config in apps.get_app_configs():
        try:
            import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
    _demo_modules_imported = True


def shipped_register(*texts: str) -> None:
    """Declare ``texts`` (each marked with ``gettext_noop`` where it is written) as shipped."""
    _texts.update(texts)


def shipped_template_register(text: str) -> None:
    """Declare a shipped ``str.format`` template, e.g. a model card with its figures."""
    parts, fields, position = [], set(), 0
    for match in FIELD.finditer(text):
        parts.append(re.escape(text[position : match.start()]))
        name = match.group(1)
        # A field that appears twice must hold the same value both times.
        parts.append(f"(?P={name})" if name in fields else f"(?P<{name}>.+?)")
        fields.add(name)
        position = match.end()
    parts.append(re.escape(text[position:]))
    _templates[text] = re.compile("".join(parts), re.S)


def shipped_texts() -> list[str]:
    """Every shipped text and template (for the test that each has a translation)."""
    _declarations_loaded()
    return sorted(_texts | set(_templates))


def shipped_translate(stored: str) -> str:
    """``stored`` in the active language when it is a shipped text; otherwise as written."""
    if not stored:
        return stored
    _declarations_loaded()
    if stored in _texts:
        return gettext(stored)
    for source, pattern in _templates.items():
        match = pattern.fullmatch(stored)
        if match is None:
            continue
        translated = gettext(source)
        if translated == source:
            return stored
        return FIELD.sub(lambda field, found=match: found.groupdict().get(field.group(1), field.group(0)), translated)
    return stored


register = template.Library()


@register.filter(name="shipped")
def shipped_filter(value):
    """``{{ row.field|shipped }}``: a shipped text in the reader's language, anything else as written."""
    if not isinstance(value, str):
        return value
    return shipped_translate(value)
