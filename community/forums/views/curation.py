"""What members trusted enough do besides posting (retag, wikis, duplicates), and the
reading beacon. A refusal says which trust level the action needs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from community.trust.selectors import privilege_level

from .. import permissions, services
from ..forms import DuplicateForm, RetagForm
from ..models import Thread
from .base import PostScopedMixin, ThreadScopedMixin


def _refused(request, exc: Exception) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc) or _("You cannot do that.")]))


def _forbidden(request, message: str, back: str = ""):
    """A privilege the member's trust level does not hold yet: 403, saying which level it needs."""
    return render(request, "forums/refused.html", {"message": message, "back": back}, status=403)


def _needs(privilege: str, message: str) -> str:
    return message % {"level": privilege_level(privilege).label}


class ThreadRetagView(LoginRequiredMixin, ThreadScopedMixin, View):
    def post(self, request, pk):
        thread = self.thread
        if not permissions.can_retag(request.user, thread):
            message = _needs("retag", _("Changing the tags of others' threads needs trust level %(level)s."))
            return _forbidden(request, message, thread.get_absolute_url())
        form = RetagForm(request.POST)
        if not form.is_valid():
            _refused(request, ValidationError(form.errors["tags"]))
            return redirect(thread.get_absolute_url())
        try:
            services.thread_retag(user=request.user, thread=thread, tags=form.cleaned_data["tags"])
        except (PermissionDenied, ValidationError) as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("The tags are saved."))
        return redirect(thread.get_absolute_url())


class PostWikiView(LoginRequiredMixin, PostScopedMixin, View):
    def post(self, request, pk):
        post = self.post_obj
        if not permissions.can_make_wiki(request.user):
            message = _needs("make_wiki", _("Making a post a wiki needs trust level %(level)s."))
            return _forbidden(request, message, post.get_absolute_url())
        try:
            services.post_set_wiki(user=request.user, post=post, is_wiki=request.POST.get("wiki") == "1")
        except (PermissionDenied, ValidationError) as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Done."))
        return redirect(post.get_absolute_url())


class ThreadDuplicateView(LoginRequiredMixin, ThreadScopedMixin, View):
    """Close a thread as a duplicate of another (`original`), or reopen it (`reopen`)."""

    def post(self, request, pk):
        thread = self.thread
        if not permissions.can_close_duplicates(request.user):
            message = _needs("close_duplicates", _("Closing threads as duplicates needs trust level %(level)s."))
            return _forbidden(request, message, thread.get_absolute_url())
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
