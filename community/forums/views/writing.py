"""Starting threads, replying, editing, deleting, votes, accepts, flags, watching."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from community.trust.selectors import privilege_level, privileges_of

from .. import permissions, selectors, services
from ..forms import (
    FlagForm,
    IdeaStatusForm,
    PostEditForm,
)
from .base import ModeratorMixin, PostScopedMixin, ThreadScopedMixin, _add_errors, _preview

# --- Writing ------------------------------------------------------------------------------------------


class PostEditView(LoginRequiredMixin, PostScopedMixin, View):
    template_name = "forums/post_edit.html"

    def _check(self, request):
        if not permissions.can_edit_post(request.user, self.post_obj):
            raise PermissionDenied

    def get(self, request, pk):
        self._check(request)
        post = self.post_obj
        form = PostEditForm(is_first=post.is_first, initial={"body": post.body, "title": post.thread.title})
        return render(request, self.template_name, {"form": form, "post": post})

    def post(self, request, pk):
        self._check(request)
        post = self.post_obj
        form = PostEditForm(request.POST, is_first=post.is_first)
        preview_html = _preview(request, form)
        if preview_html is not None:
            return render(request, self.template_name, {"form": form, "post": post, "preview_html": preview_html})
        if form.is_valid():
            try:
                services.post_edit(
                    editor=request.user, post=post, body=form.cleaned_data["body"], title=form.cleaned_data.get("title")
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Your edit was saved."))
                return redirect(post.get_absolute_url())
        return render(request, self.template_name, {"form": form, "post": post}, status=400)


class PostHistoryView(PostScopedMixin, View):
    def get(self, request, pk):
        post = self.post_obj
        revisions = post.revisions.select_related("editor__profile")
        return render(request, "forums/post_history.html", {"post": post, "revisions": revisions})


class PostDeleteView(LoginRequiredMixin, PostScopedMixin, View):
    def post(self, request, pk):
        post = services.post_delete(actor=request.user, post=self.post_obj)
        messages.success(request, _("The post was deleted."))
        if post.is_first:
            return redirect(post.thread.category.get_absolute_url())
        return redirect(post.thread.get_absolute_url())


class PostVoteView(LoginRequiredMixin, PostScopedMixin, View):
    def post(self, request, pk):
        post = self.post_obj
        error = ""
        vote = post.votes.filter(user=request.user).values_list("value", flat=True).first() or 0
        score = post.score
        try:
            vote, score = services.post_vote(
                user=request.user, post=post, direction=request.POST.get("direction", "up")
            )
        except ValidationError as exc:
            error = exc.messages[0]
        if request.htmx:
            privileges = privileges_of(user=request.user)
            context = {
                "p": post,
                "score": score,
                "vote": vote,
                "error": error,
                "can_downvote": privileges.can_downvote,
                "downvote_needs": _("Downvoting needs trust level %(level)s.")
                % {"level": privilege_level("downvote").label},
            }
            return render(request, "forums/_vote.html", context, status=200)
        if error:
            messages.error(request, error)
        return redirect(post.get_absolute_url())


class PostAcceptView(LoginRequiredMixin, PostScopedMixin, View):
    def post(self, request, pk):
        try:
            services.post_accept_answer(user=request.user, post=self.post_obj)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        return redirect(self.post_obj.get_absolute_url())


class PostFlagView(LoginRequiredMixin, PostScopedMixin, View):
    template_name = "forums/post_flag.html"

    def get(self, request, pk):
        return render(request, self.template_name, {"form": FlagForm(), "post": self.post_obj})

    def post(self, request, pk):
        form = FlagForm(request.POST)
        if form.is_valid():
            try:
                services.post_flag(
                    reporter=request.user,
                    post=self.post_obj,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Thanks. The moderators will review this post."))
                return redirect(self.post_obj.get_absolute_url())
        return render(request, self.template_name, {"form": form, "post": self.post_obj}, status=400)


class WatchThreadView(LoginRequiredMixin, ThreadScopedMixin, View):
    def post(self, request, pk, slug=None):
        watching = services.watch_toggle(user=request.user, thread=self.thread)
        messages.success(request, _("You are watching this thread.") if watching else _("You stopped watching."))
        return redirect(self.thread.get_absolute_url())


class WatchCategoryView(LoginRequiredMixin, View):
    def post(self, request, slug):
        category = selectors.category_get(slug=slug)
        watching = services.watch_toggle(user=request.user, category=category)
        messages.success(request, _("You are watching this category.") if watching else _("You stopped watching."))
        return redirect(category.get_absolute_url())


class IdeaStatusView(ModeratorMixin, ThreadScopedMixin, View):
    permission_required = "forums.set_idea_status"

    def post(self, request, pk, slug=None):
        form = IdeaStatusForm(request.POST)
        if form.is_valid():
            try:
                services.idea_status_set(
                    staff=request.user,
                    thread=self.thread,
                    status=form.cleaned_data["status"],
                    reply=form.cleaned_data["reply"],
                )
                return redirect(self.thread.get_absolute_url())
            except ValidationError as exc:
                _add_errors(form, exc)
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(self.thread.get_absolute_url())
