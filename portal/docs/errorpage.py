"""The errors page, section by section: each /v1 error code is an ``<h3 id="code">``
of ``errors.md`` (in every language). The request log shows one section as the
explanation of a failed request, and the page itself links each section to the answer
staff verified for its code (``community.forums.selectors.error_answers_verified``).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import pages

ERRORS_SLUG = "errors"
SECTION_HEADING = re.compile(r'<h3 id="(?P<code>[a-z0-9_]+)">.*?</h3>', re.S)
NEXT_HEADING = re.compile(r"<h[1-3][ >]")


def _rendered_errors_page(language: str) -> str:
    page = pages.page_get(ERRORS_SLUG, language)
    base_url = settings.SITE_URL.rstrip("/") + "/v1"
    return pages.page_render(page, base_url=base_url, api_key_hint="YOUR_API_KEY").html


def error_codes_documented(language: str = pages.DEFAULT_LANGUAGE) -> set[str]:
    """The codes with a section (an anchor) on the errors page in ``language``."""
    return {m.group("code") for m in SECTION_HEADING.finditer(_rendered_errors_page(language))}


def error_explanation(*, code: str, language: str | None = None) -> str | None:
    """The body of the errors page's section for ``code`` (the docs' trusted HTML, in the
    reader's language), without its heading; None for a code with no section."""
    html = _rendered_errors_page(language or get_language() or pages.DEFAULT_LANGUAGE)
    for match in SECTION_HEADING.finditer(html):
        if match.group("code") == code:
            rest = html[match.end() :]
            following = NEXT_HEADING.search(rest)
            return (rest[: following.start()] if following else rest).strip() or None
    return None


def link_error_answers(html: str, answers: dict[str, dict]) -> str:
    """The rendered errors page with, under each code's heading, a link to the answer
    staff verified for it (``{code: {"url", "title"}}``)."""

    def add_link(match: re.Match) -> str:
        answer = answers.get(match.group("code"))
        if not answer:
            return match.group(0)
        link = format_html(
            '<p class="error-answer alert alert-success py-2 small">{} <a href="{}">{}</a></p>',
            _("Solved in the community, verified by staff:"),
            answer["url"],
            answer["title"],
        )
        return match.group(0) + "\n" + link

    return SECTION_HEADING.sub(add_link, html)


def errors_page_with_answers(html: str) -> str:
    """The rendered errors page linked to the answers staff verified (one cached read)."""
    from community.forums.selectors import error_answers_verified

    return link_error_answers(html, error_answers_verified())
