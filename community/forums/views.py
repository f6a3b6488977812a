"""Thin views: parse input, call one service or selector, render. Scoping to the caller
lives in the mixins below, so no view can forget it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from . import permissions, selectors, services
from .forms import (
    CategoryForm,
    FlagForm,
    IdeaStatusForm,
    MergeForm,
    MoveForm,
    OptionalReasonForm,
    PostEditForm,
    PreviewForm,
    ReasonForm,
    ReplyForm,
    SuspendForm,
    TagForm,
    ThreadForm,
)
from .models import Category, Suspension, Tag, Thread
from .rendering import render_markdown


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class CappedPaginator(Paginator):
    """Counts at most `max_pages` pages: COUNT(*) over 100k threads costs more than the
    page itself, and nobody pages that deep (filters and search do that job)."""

    max_pages = 100

    @cached_property
    def count(self):
        cap = self.per_page * self.max_pages
        return self.object_list[: cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.per_page * self.max_pages

    @cached_property
    def num_pages(self):
        return min(super().num_pages, self.max_pages)


def _page(object_list, per_page: int, request, paginator_class=Paginator):
    """One page of a list, with the elided page range the pagination template shows."""
    page = paginator_class(object_list, per_page).get_page(request.GET.get("page"))
    page.elided_range = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return page


def _preview(request, form) -> str | None:
    """Without JavaScript the composer's Preview button posts the form: render, save nothing."""
    if "preview" in request.POST and form.is_valid():
        return render_markdown(form.cleaned_data["body"]).html
    return None


class ThreadScopedMixin:
    """Loads `self.thread` for the caller (404 when they may not see it; merged threads redirect)."""

    def dispatch(self, request, *args, **kwargs):
        try:
            self.thread = selectors.thread_get_for_user(user=request.user, pk=kwargs["pk"])
        except selectors.ThreadMerged as merged:
            return redirect(get_object_or_404(Thread, pk=merged.target_id).get_absolute_url())
        return super().dispatch(request, *args, **kwargs)


class PostScopedMixin:
    """Loads `self.post` for the caller (404 when they may not see it)."""

    def dispatch(self, request, *args, **kwargs):
        self.post_obj = selectors.post_get_for_user(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class ModeratorMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Members without the permission get 403; anonymous visitors go to log in."""

    raise_exception = False


# --- Reading ------------------------------------------------------------------------------------------


class ThreadListView(View):
    template_name = "forums/thread_list.html"

    def get(self, request, slug=None):
        category = selectors.category_get(slug=slug) if slug else None
        tag = None
        if request.GET.get("tag"):
            tag = Tag.objects.filter(slug=request.GET["tag"]).first()
            if tag is None:
                raise Http404
        sort = request.GET.get("sort", selectors.Sort.LATEST)
        if sort not in selectors.Sort.ALL:
            sort = selectors.Sort.LATEST
        period = request.GET.get("period", "week" if sort == selectors.Sort.TOP else "all")
        if period not in selectors.TOP_PERIODS:
            period = "all"
        threads = selectors.thread_list(user=request.user, sort=sort, period=period, category=category, tag=tag)
        page = _page(threads, selectors.THREADS_PER_PAGE, request, paginator_class=CappedPaginator)
        watching = bool(
            category and request.user.is_authenticated and category.watches.filter(user=request.user).exists()
        )
        return render(
            request,
            self.template_name,
            {
                "categories": selectors.category_list(),
                "tags": selectors.tag_list(),
                "category": category,
                "tag": tag,
                "sort": sort,
                "period": period,
                "page": page,
                "watching": watching,
                "can_start": category is None or permissions.can_start_thread(request.user, category),
            },
        )


class ThreadDetailView(ThreadScopedMixin, View):
    template_name = "forums/thread_detail.html"

    def get(self, request, pk, slug=None, form=None, preview_html=None):
        thread = self.thread
        if slug != thread.slug and request.method == "GET":
            url = thread.get_absolute_url()
            return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url, permanent=True)
        posts = selectors.thread_posts(user=request.user, thread=thread)
        page = _page(posts, selectors.POSTS_PER_PAGE, request)
        if form is None:
            form = ReplyForm(initial={"body": self._quote(request)})
        user = request.user
        services.thread_mark_read(user=user, thread=thread)
        return render(
            request,
            self.template_name,
            {
                "thread": thread,
                "category": thread.category,
                "page": page,
                "form": form,
                "preview_html": preview_html,
                "can_reply": permissions.can_reply(user, thread),
                "can_accept": permissions.can_accept(user, thread),
                "can_moderate": permissions.can_moderate(user),
                "is_forum_staff": permissions.is_forum_staff(user),
                "watching": selectors.thread_is_watched(user=user, thread=thread),
                "idea_form": IdeaStatusForm()
                if thread.category.is_ideas and user.has_perm("forums.set_idea_status")
                else None,
                "show_response_time": user.has_perm("forums.view_unanswered_queue") or user.is_staff,
            },
        )

    def _quote(self, request) -> str:
        quote_id = request.GET.get("quote", "")
        if not quote_id.isdigit():
            return ""
        post = self.thread.posts.visible().select_related("author__profile").filter(pk=quote_id).first()
        if post is None:
            return ""
        who = f"@{post.author.profile.handle}" if post.author else _("deleted user")
        quoted = "\n".join(f"> {line}" for line in post.body.splitlines())
        return f"> {who} {_('wrote')}:\n{quoted}\n\n"


class ReplyCreateView(LoginRequiredMixin, ThreadScopedMixin, View):
    def post(self, request, pk, slug=None):
        form = ReplyForm(request.POST, request.FILES)
        preview_html = _preview(request, form)
        if preview_html is not None:
            view = ThreadDetailView()
            view.thread, view.request = self.thread, request
            return view.get(request, pk, self.thread.slug, form=form, preview_html=preview_html)
        if form.is_valid():
            try:
                post = services.post_create(
                    author=request.user,
                    thread=self.thread,
                    body=form.cleaned_data["body"],
                    image=form.cleaned_data.get("image"),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect(post.get_absolute_url())
        view = ThreadDetailView()
        view.thread = self.thread
        view.request = request
        response = view.get(request, pk, self.thread.slug, form=form)
        response.status_code = 400
        return response


class PostRedirectView(PostScopedMixin, View):
    def get(self, request, pk):
        post = self.post_obj
        page = selectors.post_page_number(post=post)
        url = post.thread.get_absolute_url()
        query = f"?page={page}" if page > 1 else ""
        return HttpResponseRedirect(f"{url}{query}#post-{post.pk}")


class ThreadCreateView(LoginRequiredMixin, View):
    template_name = "forums/thread_form.html"

    def get(self, request):
        category = Category.objects.filter(slug=request.GET.get("category", "")).first()
        form = ThreadForm(user=request.user, initial={"category": category, "title": request.GET.get("title", "")})
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = ThreadForm(request.POST, request.FILES, user=request.user)
        preview_html = _preview(request, form)
        if preview_html is not None:
            return render(request, self.template_name, {"form": form, "preview_html": preview_html})
        if form.is_valid():
            data = form.cleaned_data
            try:
                thread = services.thread_create(
                    author=request.user,
                    category=data["category"],
                    title=data["title"],
                    body=data["body"],
                    tags=data["tags"],
                    error_code=data["error_code"],
                    image=data.get("image"),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect(thread.get_absolute_url())
        return render(request, self.template_name, {"form": form}, status=400)


class PreviewView(View):
    """htmx: the composer's live preview, rendered exactly as a post will be."""

    def post(self, request):
        form = PreviewForm(request.POST)
        html = render_markdown(form.cleaned_data["body"]).html if form.is_valid() else ""
        return render(request, "forums/_preview.html", {"html": html, "form": form})


class SimilarThreadsView(View):
    """htmx: questions like the title being typed."""

    def get(self, request):
        title = request.GET.get("title", "")[:200]
        hits = selectors.similar_threads(title=title) if len(title.strip()) >= 8 else []
        return render(request, "forums/_similar.html", {"hits": hits})


class SearchView(View):
    def get(self, request):
        query = request.GET.get("q", "").strip()[:200]
        hits = selectors.thread_search(query=query, limit=30) if query else []
        return render(request, "forums/search.html", {"query": query, "hits": hits})


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
        voted = post.votes.filter(user=request.user).exists()
        score = post.score
        try:
            voted, score = services.post_vote(user=request.user, post=post)
        except ValidationError as exc:
            error = exc.messages[0]
        if request.htmx:
            return render(
                request, "forums/_vote.html", {"p": post, "score": score, "voted": voted, "error": error}, status=200
            )
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
        form = ReasonForm(request.POST) if action == "hide" else OptionalReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give a reason for hiding the post."))
            return redirect(post.get_absolute_url())
        reason = form.cleaned_data["reason"]
        if action == "hide":
            services.post_hide(moderator=request.user, post=post, reason=reason)
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


# --- Community managers --------------------------------------------------------------------------------


class UnansweredQueueView(ModeratorMixin, View):
    permission_required = "forums.view_unanswered_queue"

    def has_permission(self):
        return self.request.user.is_staff or super().has_permission()

    def get(self, request):
        page = _page(selectors.unanswered_queue(), 50, request)
        recent = selectors.thread_response_times()[:50]
        return render(request, "forums/manage_unanswered.html", {"page": page, "recent": recent})


class TaxonomyView(ModeratorMixin, View):
    """Managers create categories and the tag list members choose from."""

    template_name = "forums/manage_taxonomy.html"

    def has_permission(self):
        return permissions.can_manage_taxonomy(self.request.user)

    def get(self, request, category_form=None, tag_form=None, status=200):
        return render(
            request,
            self.template_name,
            {
                "category_form": category_form or CategoryForm(prefix="category"),
                "tag_form": tag_form or TagForm(prefix="tag"),
                "categories": selectors.category_list(),
                "tags": selectors.tag_list(),
            },
            status=status,
        )

    def post(self, request):
        if "category-name" in request.POST:
            form = CategoryForm(request.POST, prefix="category")
            if form.is_valid():
                services.category_create(user=request.user, **form.cleaned_data)
                messages.success(request, _("Category created."))
                return redirect("forums:manage_taxonomy")
            return self.get(request, category_form=form, status=400)
        form = TagForm(request.POST, prefix="tag")
        if form.is_valid():
            try:
                services.tag_create(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Tag created."))
                return redirect("forums:manage_taxonomy")
        return self.get(request, tag_form=form, status=400)
