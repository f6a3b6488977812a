"""The badges, defined in code: what each is called, its grade and what earns it.

A badge is earned from counters the badges app keeps from activities (``MemberTally`` for
a member, ``PostTally`` for a post). Each definition is mirrored to a ``Badge`` row (created
after ``migrate`` and on first use), so that managers can switch a badge off in the admin
and awards point at a row. Names and descriptions live here, translated; the row keeps
only what managers change.

Member badges are earned once. Post badges (``post_kind`` set) are earned once per post:
a member holds "Nice Answer" once for every answer that reached its score. A badge, once
earned, is kept even when its counter drops later (a vote withdrawn, an answer
un-accepted), as on Stack Overflow.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    BRONZE = "bronze", _("Bronze")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")


# The order pages list them in: the first badges a member earns first.
GRADE_ORDER = [Grade.BRONZE, Grade.SILVER, Grade.GOLD]


class PostKind(models.TextChoices):
    QUESTION = "question", _("Question")
    ANSWER = "answer", _("Answer")


@dataclass(frozen=True)
class BadgeDefinition:
    slug: str
    name: str
    grade: Grade
    description: str
    threshold: int
    # A member badge reads this MemberTally counter; a post badge reads the post's score.
    counter: str = ""
    post_kind: PostKind | None = None

    @property
    def per_post(self) -> bool:
        """Earned once per post (repeatable), rather than once per member."""
        return self.post_kind is not None


BADGES: tuple[BadgeDefinition, ...] = (
    BadgeDefinition(
        "first-key", _("First Key"), Grade.BRONZE, _("Created a first API key."), 1, counter="keys_created"
    ),
    BadgeDefinition(
        "first-call", _("First Call"), Grade.BRONZE, _("Made a first successful API call."), 1, counter="first_calls"
    ),
    BadgeDefinition(
        "verified", _("Verified"), Grade.BRONZE, _("Confirmed an email address."), 1, counter="emails_verified"
    ),
    BadgeDefinition(
        "first-question",
        _("First Question"),
        Grade.BRONZE,
        _("Asked a first question in a Q&A category."),
        1,
        counter="questions",
    ),
    BadgeDefinition(
        "first-answer",
        _("First Answer"),
        Grade.BRONZE,
        _("Answered another member's question in a Q&A category."),
        1,
        counter="answers",
    ),
    BadgeDefinition("supporter", _("Supporter"), Grade.BRONZE, _("Gave a first upvote."), 1, counter="upvotes_given"),
    BadgeDefinition(
        "nice-answer",
        _("Nice Answer"),
        Grade.BRONZE,
        _("An answer reached a score of 5."),
        5,
        post_kind=PostKind.ANSWER,
    ),
    BadgeDefinition(
        "streaming-pro",
        _("Streaming Pro"),
        Grade.SILVER,
        _("Streamed Playground replies on 5 different days."),
        5,
        counter="streamed_days",
    ),
    BadgeDefinition(
        "fine-tuner",
        _("Fine-Tuner"),
        Grade.SILVER,
        _("A fine-tuning job succeeded."),
        1,
        counter="finetunes_succeeded",
    ),
    BadgeDefinition(
        "good-question",
        _("Good Question"),
        Grade.SILVER,
        _("A question reached a score of 10."),
        10,
        post_kind=PostKind.QUESTION,
    ),
    BadgeDefinition(
        "solved-10", _("Solved ×10"), Grade.SILVER, _("10 answers accepted by the askers."), 10, counter="accepted"
    ),
    BadgeDefinition(
        "helpful-50", _("Helpful ×50"), Grade.SILVER, _("Received 50 upvotes."), 50, counter="upvotes_received"
    ),
    BadgeDefinition(
        "great-answer",
        _("Great Answer"),
        Grade.GOLD,
        _("An answer reached a score of 25."),
        25,
        post_kind=PostKind.ANSWER,
    ),
    # Issue 17: events, the showcase, recipes, ambassadors and hackathons.
    BadgeDefinition(
        "attendee", _("Attendee"), Grade.BRONZE, _("Checked in at a first event."), 1, counter="events_attended"
    ),
    BadgeDefinition("regular", _("Regular"), Grade.SILVER, _("Checked in at 5 events."), 5, counter="events_attended"),
    BadgeDefinition(
        "builder",
        _("Builder"),
        Grade.BRONZE,
        _("Published an app to the showcase."),
        1,
        counter="showcase_entries",
    ),
    BadgeDefinition(
        "featured",
        _("Featured"),
        Grade.SILVER,
        _("A showcase entry was featured by the community managers."),
        1,
        counter="showcase_featured",
    ),
    BadgeDefinition(
        "recipe-author",
        _("Recipe Author"),
        Grade.SILVER,
        _("Another member's fine-tuning job forked from your recipe succeeded."),
        1,
        counter="recipe_forks_succeeded",
    ),
    BadgeDefinition(
        "ambassador",
        _("Ambassador"),
        Grade.GOLD,
        _("Accepted into the community ambassador program."),
        1,
        counter="ambassador",
    ),
    BadgeDefinition(
        "hackathon-winner",
        _("Hackathon Winner"),
        Grade.GOLD,
        _("Won a prize at a hackathon."),
        1,
        counter="hackathon_prizes",
    ),
)

BADGES_BY_SLUG: dict[str, BadgeDefinition] = {badge.slug: badge for badge in BADGES}
MEMBER_BADGES = tuple(badge for badge in BADGES if not badge.per_post)
POST_BADGES = tuple(badge for badge in BADGES if badge.per_post)


def badge_definition(slug: str) -> BadgeDefinition | None:
    return BADGES_BY_SLUG.get(slug)
