"""The rules that award points, and how apps add theirs.

A rule's defaults live in code (``RuleDefault``); its current values live in the
``Rule`` table, which managers tune in the admin (every change kept with who and when).
The defaults below are seeded by a data migration; a rule an app registers later
(``rule_register`` from its ``AppConfig.ready()``) gets its row the first time it awards.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext_noop as _

from portal.shipped import shipped_register


@dataclass(frozen=True)
class RuleDefault:
    """A rule as code defines it. ``description`` is the plain-language reason shown in a
    member's history ("Your answer was upvoted"), in English marked for translation
    (``gettext_noop`` or ``gettext_lazy``): it is stored as the rule's name and shown
    translated until a manager rewrites it. ``daily_cap``: at most this many points a day
    from this rule; ``vote_capped``: counts toward the daily cap on points from votes. A
    rule registered with 0 points is paid the amount each award gives (bounties)."""

    key: str
    points: int
    description: str
    daily_cap: int | None = None
    vote_capped: bool = False


DEFAULT_RULES: tuple[RuleDefault, ...] = (
    RuleDefault("forum.question.upvoted", 5, _("Your question was upvoted"), vote_capped=True),
    RuleDefault("forum.answer.upvoted", 10, _("Your answer was upvoted"), vote_capped=True),
    RuleDefault("forum.answer.accepted", 15, _("Your answer was accepted")),
    RuleDefault("forum.answer.accepting", 2, _("You accepted an answer to your question")),
    RuleDefault("forum.post.downvoted", -2, _("Your post was downvoted")),
    RuleDefault("forum.downvote.cast", -1, _("You downvoted an answer")),
    RuleDefault("forum.post.spam", -100, _("Your post was removed as spam")),
    RuleDefault("account.email_verified", 5, _("You verified your email address")),
    RuleDefault("api.first_call", 10, _("Your first successful API call")),
    RuleDefault("finetune.first_success", 20, _("Your first fine-tuning job succeeded")),
    RuleDefault("docs.feedback", 1, _("You gave feedback on a docs page"), daily_cap=5),
)

_registry: dict[str, RuleDefault] = {}


def rule_register(default: RuleDefault) -> None:
    """Make a rule known (idempotent). Call it from an ``AppConfig.ready()``; its row is
    created with these defaults on first use, after which managers' values win."""
    with translation.override(None):  # the English text, also for a lazy translation
        description = str(default.description)
    _registry[default.key] = RuleDefault(
        key=default.key,
        points=default.points,
        description=description,
        daily_cap=default.daily_cap,
        vote_capped=default.vote_capped,
    )
    shipped_register(description)


for _default in DEFAULT_RULES:
    rule_register(_default)


def rule_default(key: str) -> RuleDefault | None:
    return _registry.get(key)


def rule_defaults() -> list[RuleDefault]:
    return list(_registry.values())
