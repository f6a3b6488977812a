"""The Playground: a chat page, and /v1/chat/completions for the signed-in browser.

The chat endpoint is the API's own view: the same validation, model checks, credits,
limits (the account's, plus a bucket of the session's own), dispatch, streaming and
metering. Only the caller differs: the session, through the same ``authenticate_caller``
step a key goes through, and CSRF-protected, as a browser endpoint must be.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from community.activity.services import activity_record
from portal.asyncdb import database_sync_to_async
from sandbox.registry.selectors import Task, hosted_models_visible

from .auth import aauthenticate_session
from .views import ChatCompletionsView


@login_required
@require_GET
def playground(request):
    models = hosted_models_visible(user=request.user, task=Task.CHAT)
    # "Try it in the Playground" links (model pages, fine-tuning jobs) preselect a model;
    # otherwise the default chat model is selected.
    selected = request.GET.get("model") or settings.DEFAULT_CHAT_MODEL
    return render(request, "playground/playground.html", {"models": models, "selected": selected})


class PlaygroundChatView(ChatCompletionsView):
    schema = None  # not part of the public API

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.csrf_exempt = False  # a browser endpoint: Django's CSRF check applies
        return view

    async def authenticate_caller(self, request):
        return await aauthenticate_session(request._request)

    async def record(self, *, status: int, **details) -> None:
        await super().record(status=status, **details)
        user_id, _key_id = self.caller_ids()
        if status == 200 and self.usage["stream"] and user_id is not None:
            await database_sync_to_async(playground_reply_streamed)(user_id=user_id, model=self.usage["model"])


def playground_reply_streamed(*, user_id: int, model: str) -> None:
    """Record that a streamed Playground reply reached its end (the onboarding checklist's
    "try streaming" step reads it); stored once per user and day."""
    day = timezone.now().date().isoformat()
    activity_record(
        actor=user_id,
        verb="playground.reply.streamed",
        properties={"model": model},
        dedupe_key=f"playground.reply.streamed:{user_id}:{day}",
    )
