"""Moderators' tools: the flag queue, the log, post and thread actions, suspensions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from .. import selectors, services
from ..forms import (
    HideForm,
    MergeForm,
    MoveForm,
    OptionalReasonForm,
    SuspendForm,
)
from ..models import Suspension, Thread
from .base import ModeratorMixin, PostScopedMixin, ThreadScopedMixin, _add_errors, _page

# --- Moderation ----------------------------------------------------------------------------------------


class FlagQueueView(ModeratorMixin, View):
    permission_required = "forums.moderate_flags"

    def get(self, request):
        page = _page(selectors.flag_queue(), 25, request)
        return render(request, "forums/mod_flags.html", {"page": page})


class ModerationLogView(ModeratorMixin, View):
    permission_required = "forums.view_moderation_log"

    def get(self, request):
        page = _page(selectors.moderation_log(), 50, request)
        return render(request, "forums/mod_log.html", {"page": page})


class PostModerateView(ModeratorMixin, PostScopedMixin, View):
    """hide / restore / dismiss flags on one post."""

    permission_required = "forums.moderate_post"

    def post(self, request, pk, action):
        post = self.post_obj
        form = HideForm(request.POST) if action == "hide" else OptionalReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give a reason for hiding the post."))
            return redirect(post.get_absolute_url())
        reason = form.cleaned_data["reason"]
        if action == "hide":
            as_spam = form.cleaned_data.get("kind") == "spam"
            services.post_hide(moderator=request.user, post=post, reason=reason, as_spam=as_spam)
        elif action == "restore":
            services.post_restore(moderator=request.user, post=post, reason=reason)
        elif action == "dismiss":
            services.flags_dismiss(moderator=request.user, post=post, reason=reason)
        else:
            raise Http404
        messages.success(request, _("Done."))
        nxt = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(
            nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return redirect(nxt if safe else post.get_absolute_url())


class ThreadModerateView(LoginRequiredMixin, ThreadScopedMixin, View):
    """lock / unlock / pin / unpin; each needs its own permission."""

    ACTIONS = {
        "lock": (
            "forums.lock_thread",
            lambda u, t, r: services.thread_set_locked(moderator=u, thread=t, locked=True, reason=r),
        ),
        "unlock": (
            "forums.lock_thread",
            lambda u, t, r: services.thread_set_locked(moderator=u, thread=t, locked=False, reason=r),
        ),
        "pin": (
            "forums.pin_thread",
            lambda u, t, r: services.thread_set_pinned(moderator=u, thread=t, pinned=True, reason=r),
        ),
        "unpin": (
            "forums.pin_thread",
            lambda u, t, r: services.thread_set_pinned(moderator=u, thread=t, pinned=False, reason=r),
        ),
    }

    def post(self, request, pk, action):
        if action not in self.ACTIONS:
            raise Http404
        perm, run = self.ACTIONS[action]
        if not request.user.has_perm(perm):
            raise PermissionDenied
        form = OptionalReasonForm(request.POST)
        form.is_valid()
        run(request.user, self.thread, form.cleaned_data.get("reason", ""))
        messages.success(request, _("Done."))
        return redirect(self.thread.get_absolute_url())


class ThreadMoveView(ModeratorMixin, ThreadScopedMixin, View):
    permission_required = "forums.move_thread"
    template_name = "forums/mod_thread_form.html"

    def get(self, request, pk):
        return render(
            request,
            self.template_name,
            {"form": MoveForm(initial={"category": self.thread.category}), "thread": self.thread, "action": "move"},
        )

    def post(self, request, pk):
        form = MoveForm(request.POST)
        if form.is_valid():
            services.thread_move(
                moderator=request.user,
                thread=self.thread,
                category=form.cleaned_data["category"],
                reason=form.cleaned_data["reason"],
            )
            return redirect(self.thread.get_absolute_url())
        return render(request, self.template_name, {"form": form, "thread": self.thread, "action": "move"}, status=400)


class ThreadMergeView(ModeratorMixin, ThreadScopedMixin, View):
    permission_required = "forums.merge_thread"
    template_name = "forums/mod_thread_form.html"

    def get(self, request, pk):
        return render(request, self.template_name, {"form": MergeForm(), "thread": self.thread, "action": "merge"})

    def post(self, request, pk):
        form = MergeForm(request.POST)
        if form.is_valid():
            target = Thread.objects.visible_to(request.user).filter(pk=form.cleaned_data["target"]).first()
            if target is None:
                form.add_error("target", _("There is no such thread."))
            else:
                try:
                    services.thread_merge(
                        moderator=request.user, source=self.thread, target=target, reason=form.cleaned_data["reason"]
                    )
                    return redirect(target.get_absolute_url())
                except ValidationError as exc:
                    _add_errors(form, exc)
        return render(request, self.template_name, {"form": form, "thread": self.thread, "action": "merge"}, status=400)


class UserSuspendView(ModeratorMixin, View):
    permission_required = "forums.suspend_user"
    template_name = "forums/mod_suspend.html"

    def _member(self, user_id):
        return get_object_or_404(get_user_model().objects.select_related("profile"), pk=user_id, is_active=True)

    def get(self, request, user_id):
        member = self._member(user_id)
        return render(
            request,
            self.template_name,
            {
                "form": SuspendForm(),
                "member": member,
                "suspensions": member.forum_suspensions.all(),
                "now": timezone.now(),
            },
        )

    def post(self, request, user_id):
        member = self._member(user_id)
        form = SuspendForm(request.POST)
        if form.is_valid():
            try:
                services.user_suspend(
                    moderator=request.user,
                    user=member,
                    reason=form.cleaned_data["reason"],
                    ends_at=form.cleaned_data["ends_at"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("%(name)s is suspended.") % {"name": member.profile.name})
                return redirect("forums:mod_log")
        return render(
            request,
            self.template_name,
            {"form": form, "member": member, "suspensions": member.forum_suspensions.all(), "now": timezone.now()},
            status=400,
        )


class SuspensionLiftView(ModeratorMixin, View):
    permission_required = "forums.suspend_user"

    def post(self, request, pk):
        suspension = get_object_or_404(Suspension, pk=pk, lifted_at__isnull=True)
        form = OptionalReasonForm(request.POST)
        form.is_valid()
        services.suspension_lift(
            moderator=request.user, suspension=suspension, reason=form.cleaned_data.get("reason", "")
        )
        messages.success(request, _("The suspension is lifted."))
        return redirect("forums:user_suspend", user_id=suspension.user_id)


class ErrorAnswerView(ModeratorMixin, ThreadScopedMixin, View):
    """Staff choose the reply that /v1 errors of the thread's code link to, or withdraw it."""

    permission_required = "forums.change_erroranswer"

    def post(self, request, pk):
        thread = self.thread
        try:
            if "withdraw" in request.POST:
                services.error_answer_withdraw(staff=request.user, error_code=thread.error_code)
                messages.success(request, _("API errors of this code link to the docs again."))
            else:
                post_id = request.POST.get("post", "")
                post = thread.posts.filter(pk=int(post_id)).first() if post_id.isdigit() else None
                if post is None:
                    raise ValidationError(_("Choose a reply of this thread."))
                services.error_answer_verify(staff=request.user, post=post)
                messages.success(request, _("API errors of this code now link to that reply."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(thread.get_absolute_url())
