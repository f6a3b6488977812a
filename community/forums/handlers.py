"""What the forums do when something happens: a bounty pays the answer its question's
asker accepts. Registered from ``ForumsConfig.ready()`` with the rewards rule bounties pay
under, and the forum categories the leaderboards rank members in."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from community.activity.handlers import register
from community.rewards.leaderboards import category_provider_register
from community.rewards.rules import RuleDefault, rule_register

from .selectors import category_list
from .services.bounties import BOUNTY_RULE, bounty_pay_accepted


def bounty_pay_on_accept(activity) -> None:
    """An accepted answer receives the thread's open bounty (once: the bounty closes)."""
    bounty_pay_accepted(thread_id=int(activity.properties["thread"]), post_id=int(activity.target_id))


def handlers_register() -> None:
    # The amount is each bounty's own; the rule's points are not used.
    rule_register(
        RuleDefault(
            key=BOUNTY_RULE,
            points=0,
            description=_("Your answer received a bounty"),
        )
    )
    register(verbs=["forum.answer.accepted"], name="forums.bounty_pay_on_accept", func=bounty_pay_on_accept)
    # The leaderboards' per-category boards: which categories there are, named in the reader's language.
    category_provider_register(leaderboard_categories)


def leaderboard_categories() -> list[tuple[int, str]]:
    return [(category.pk, str(category)) for category in category_list()]
