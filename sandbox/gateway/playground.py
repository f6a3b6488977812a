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
from django.views.decorators.http import require_GET

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
