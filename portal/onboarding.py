"""The onboarding checklist on a developer's home page, ticked from what they really did.

Each step reads the app that knows: the address's verification from the accounts app,
keys from the keys app, and everything else from the activity stream (the first
successful /v1 call, a streamed Playground reply, fine-tuning jobs, forum posts), all of
it in one query. Activities are stored a second or two after the action (the stream's
consumer), so a step ticks on the next page load after that.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from community.activity.selectors import activity_counts
from portal.accounts.selectors import email_verified

# The verbs the checklist (and the greeting) reads, counted in one query.
VERBS = [
    "account.logged_in",
    "apikey.created",
    "api.first_call",
    "playground.reply.streamed",
    "finetune.job.created",
    "finetune.job.succeeded",
    "forum.thread.posted",
    "forum.reply.posted",
]


@dataclass(frozen=True)
class ChecklistStep:
    key: str
    title: str | Promise
    hint: str | Promise
    url: str
    done: bool
    in_progress: bool = False


@dataclass(frozen=True)
class Onboarding:
    steps: list[ChecklistStep]
    returning: bool  # signed in before: "Welcome back" rather than "Welcome"

    @property
    def email_verified(self) -> bool:
        return self.steps[0].done

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return self.done_count == len(self.steps)

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / len(self.steps))


def onboarding_for_user(*, user, live_keys: int) -> Onboarding:
    """The checklist of ``user``; ``live_keys`` is the count the home page shows already."""
    counts = activity_counts(since=user.date_joined, actor=user, verbs=VERBS)

    def did(*verbs: str) -> bool:
        return any(verb in counts for verb in verbs)

    fine_tuned = did("finetune.job.succeeded")
    steps = [
        ChecklistStep(
            key="verify",
            title=_("Verify your email address"),
            hint=_("Verifying adds this month's free credits to your balance."),
            url=reverse("account_email"),
            done=email_verified(user=user),
        ),
        ChecklistStep(
            key="key",
            title=_("Create an API key"),
            hint=_("One click on Getting started; the key is shown once."),
            url=reverse("docs:page", kwargs={"slug": "getting-started"}) + "#2-create-an-api-key",
            done=live_keys > 0 or did("apikey.created"),
        ),
        ChecklistStep(
            key="first_call",
            title=_("Make your first API call"),
            hint=_("Copy a snippet from Getting started and run it."),
            url=reverse("docs:page", kwargs={"slug": "getting-started"}) + "#4-make-your-first-call",
            done=did("api.first_call"),
        ),
        ChecklistStep(
            key="stream",
            title=_("Try streaming in the Playground"),
            hint=_("Watch a model's reply arrive token by token."),
            url=reverse("playground:page"),
            done=did("playground.reply.streamed"),
        ),
        ChecklistStep(
            key="fine_tune",
            title=_("Fine-tune a model"),
            hint=_("Teach a model your tone or format from a few dozen examples."),
            url=reverse("finetuning:job_create"),
            done=fine_tuned,
            in_progress=not fine_tuned and did("finetune.job.created"),
        ),
        ChecklistStep(
            key="community",
            title=_("Ask or answer in the community"),
            hint=_("Start a thread or reply to one."),
            url=reverse("forums:index"),
            done=did("forum.thread.posted", "forum.reply.posted"),
        ),
    ]
    logins = counts.get("account.logged_in")
    return Onboarding(steps=steps, returning=logins is not None and logins.events > 1)
