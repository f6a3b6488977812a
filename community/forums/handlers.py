"""What the forums do when something happens: a bounty pays the answer its question's
asker accepts. Registered from ``ForumsConfig.ready()`` with the rewards rule bounties pay
under, and the forum categories the leaderboards rank members in."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from community.activity.handlers import register
from community.rewards.leaderboards import category_provider_register
from community.rewards.rules import RuleDefault, rule_register

from .selectors import category_list
from .services.bounties import BOUNTY_RULE, bounty_pay_accepted, threads_with_open_bounty


def bounty_pay_on_accept(activities) -> None:
    """An accepted answer receives the thread's open bounty (once: the bounty closes). Every
    acceptance comes here and few threads have a bounty: one query finds them."""
    accepted = [(int(activity.properties["thread"]), int(activity.target_id)) for activity in activities]
    with_bounty = threads_with_open_bounty(thread_ids={thread_id for thread_id, _post in accepted})
    for thread_id, post_id in accepted:
        if thread_id in with_bounty:
            bounty_pay_accepted(thread_id=thread_id, post_id=post_id)


def handlers_register() -> None:
    # The amount is each bounty's own; the rule's points are not used.
    rule_register(
        RuleDefault(
            key=BOUNTY_RULE,
            points=0,
            description=_("Your answer received a bounty"),
        )
    )
    register(verbs=["forum.answer.accepted"], name="forums.bounty_pay_on_accept", func=bounty_pay_on_accept, batch=True)
    # The leaderboards' per-category boards: which categories there are, named in the reader's language.
    category_provider_register(leaderboard_categories)


def leaderboard_categories() -> list[tuple[int, str]]:
    return [(category.pk, str(category)) for category in category_list()]
