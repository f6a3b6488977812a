"""What members trusted enough do besides posting (retag, wikis, duplicates), and the
reading beacon. A refusal says which trust level the action needs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from .. import services
from ..forms import DuplicateForm, RetagForm
from ..models import Thread
from .base import PostScopedMixin, ThreadScopedMixin


def _refused(request, exc: Exception) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc) or _("You cannot do that.")]))


class ThreadRetagView(LoginRequiredMixin, ThreadScopedMixin, View):
    def post(self, request, pk):
        form = RetagForm(request.POST)
        if not form.is_valid():
            _refused(request, ValidationError(form.errors["tags"]))
            return redirect(self.thread.get_absolute_url())
        try:
            services.thread_retag(user=request.user, thread=self.thread, tags=form.cleaned_data["tags"])
        except (PermissionDenied, ValidationError) as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("The tags are saved."))
        return redirect(self.thread.get_absolute_url())


class PostWikiView(LoginRequiredMixin, PostScopedMixin, View):
    def post(self, request, pk):
        try:
            services.post_set_wiki(user=request.user, post=self.post_obj, is_wiki=request.POST.get("wiki") == "1")
        except (PermissionDenied, ValidationError) as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Done."))
        return redirect(self.post_obj.get_absolute_url())


class ThreadDuplicateView(LoginRequiredMixin, ThreadScopedMixin, View):
    """Close a thread as a duplicate of another (`original`), or reopen it (`reopen`)."""

    def post(self, request, pk):
        thread = self.thread
        try:
            if "reopen" in request.POST:
                services.thread_reopen_duplicate(
                    user=request.user, thread=thread, reason=request.POST.get("reason", "")
                )
            else:
                form = DuplicateForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Give the number of the original thread."))
                original = Thread.objects.visible().filter(pk=form.cleaned_data["original"]).first()
                if original is None:
                    raise ValidationError(_("There is no such thread."))
                services.thread_close_as_duplicate(
                    user=request.user, thread=thread, original=original, reason=form.cleaned_data["reason"]
                )
        except (PermissionDenied, ValidationError) as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Done."))
        return redirect(thread.get_absolute_url())


class ThreadReadTimeView(ThreadScopedMixin, View):
    """The reading beacon (static/forums/reading.js): seconds a signed-in member spent on
    the thread's page, sent with the page's CSRF token; visitors are refused (403)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponse(status=403)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, pk):
        try:
            services.thread_reading_time_record(
                user=request.user,
                thread=self.thread,
                token=request.POST.get("visit", ""),
                seconds=request.POST.get("seconds", ""),
            )
        except ValidationError:
            return HttpResponse(status=400)
        return HttpResponse(status=204)
