"""What the usage page and the request log say about an error code: its explanation (the
errors page's section for it) and the community's answers (the one staff verified, then
other solved threads).

The apps that know them register here from their ``AppConfig.ready()``: the docs the
explanation, the forums the answers. Usage metering never imports either (they sit above
it), and a page that finds no provider, or one that fails, still links the docs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

logger = logging.getLogger(__name__)

ERRORS_DOC_PATH = "/docs/errors/"

# provider(*, codes) -> {code: [{"title", "url", "verified"}, ...]}
_answer_providers: list[Callable[..., dict[str, list[dict]]]] = []
# provider(*, code) -> the explanation's HTML (trusted: the docs' own), or None
_explanation_providers: list[Callable[..., str | None]] = []


def error_answers_provider_register(provider) -> None:
    if provider not in _answer_providers:
        _answer_providers.append(provider)


def error_explanation_provider_register(provider) -> None:
    if provider not in _explanation_providers:
        _explanation_providers.append(provider)


def error_docs_url(code: str) -> str:
    return f"{ERRORS_DOC_PATH}#{code}"


def error_answers(*, codes: Iterable[str]) -> dict[str, list[dict]]:
    """For each code, the community's answers to it (the staff-verified one first); [] if none."""
    codes = [code for code in dict.fromkeys(codes) if code]
    answers: dict[str, list[dict]] = {code: [] for code in codes}
    if not codes:
        return answers
    for provider in _answer_providers:
        try:
            found = provider(codes=codes)
        except Exception:  # a page must not fail because the forum's lookup did
            logger.exception("error answers provider %r failed", provider)
            continue
        for code in codes:
            answers[code] += found.get(code, [])
    return answers


def error_explanation(*, code: str) -> str | None:
    """The explanation of ``code`` as HTML, or None when no provider knows it."""
    for provider in _explanation_providers:
        try:
            html = provider(code=code)
        except Exception:
            logger.exception("error explanation provider %r failed", provider)
            html = None
        if html:
            return html
    return None
