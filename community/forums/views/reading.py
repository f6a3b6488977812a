"""Lists, threads, search and the htmx helpers of the composer."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View

from community.trust.selectors import privileges_of
from portal.markdown import MEMBER, render_markdown

from .. import pagecache, permissions, selectors, services
from ..forms import (
    DuplicateForm,
    IdeaStatusForm,
    PreviewForm,
    ReplyForm,
    RetagForm,
    ThreadForm,
)
from ..models import Category, Tag, Thread
from .base import CappedPaginator, PostScopedMixin, ThreadScopedMixin, _add_errors, _page, _preview

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
        watching = bool(
            category and request.user.is_authenticated and category.watches.filter(user=request.user).exists()
        )

        def render_parts() -> dict[str, str]:
            threads = selectors.thread_list(sort=sort, period=period, category=category, tag=tag)
            page = _page(threads, selectors.THREADS_PER_PAGE, request, paginator_class=CappedPaginator)
            page.object_list = selectors.threads_with_tags(page.object_list)
            rows = {"page": page, **pagecache.render_context()}
            sidebar = {"categories": selectors.category_list(), "tags": selectors.tag_list()}
            sidebar.update(category=category, tag=tag, sort=sort)
            return {
                "rows": render_to_string("forums/_thread_list_rows.html", rows, request=request),
                "sidebar": render_to_string("forums/_thread_list_sidebar.html", sidebar, request=request),
            }

        shown = (category and category.pk, tag and tag.pk, sort, period)
        parts = pagecache.block(request, name="thread-list", scopes=("lists",), vary=shown, render=render_parts)
        return render(
            request,
            self.template_name,
            {
                "rows": mark_safe(pagecache.personalize(parts["rows"], request=request)),  # noqa: S308 - our templates
                "sidebar": mark_safe(parts["sidebar"]),  # noqa: S308 - rendered by our autoescaping templates
                "category": category,
                "tag": tag,
                "sort": sort,
                "period": period,
                "watching": watching,
                "can_start": category is None or permissions.can_start_thread(request.user, category),
                "csrf_token": pagecache.csrf_token(request),
            },
        )


class ThreadDetailView(ThreadScopedMixin, View):
    template_name = "forums/thread_detail.html"

    def get_thread(self, request, pk: int):
        if request.method == "GET":  # reading: the shared copy (writes load their own)
            return pagecache.thread_for_reader(user=request.user, pk=pk)
        return super().get_thread(request, pk)

    def get(self, request, pk, slug=None, form=None, preview_html=None):
        thread = self.thread
        if slug != thread.slug and request.method == "GET":
            url = thread.get_absolute_url()
            return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url, permanent=True)
        user = request.user
        role = {
            "can_reply": permissions.can_reply(user, thread),
            "can_accept": permissions.can_accept(user, thread),
            "can_moderate": permissions.can_moderate(user),
            "show_response_time": user.has_perm("forums.view_unanswered_queue") or user.is_staff,
            "can_edit_wiki": privileges_of(user=user).can_edit_wiki,
            "can_make_wiki": permissions.can_make_wiki(user),
        }

        def render_parts() -> dict[str, str]:
            page = _page(selectors.thread_posts(thread=thread), selectors.POSTS_PER_PAGE, request)
            context = {
                "thread": thread,
                "category": thread.category,
                "page": page,
                "form": form or ReplyForm(initial={"body": self._quote(request)}),
                "preview_html": preview_html,
                **role,
                **pagecache.render_context(),
            }
            return {
                part: render_to_string(f"forums/_thread_{part}.html", context, request=request)
                for part in ("badges", "posts", "reply")
            }

        # The role decides which controls the parts hold (see pagecache.py).
        vary = (user.is_authenticated, user.has_perm("forums.suspend_user"), *role.values())
        scopes = (pagecache.thread_scope(thread.pk),)
        parts = pagecache.block(request, name="thread-page", scopes=scopes, vary=vary, render=render_parts)
        voted = None
        if user.is_authenticated:
            state = selectors.thread_reader_state(
                user=user, thread_id=thread.pk, post_ids=pagecache.vote_targets(*parts.values())
            )
            thread.watched, thread.read_at, voted, thread.posts_seen = state
        services.thread_mark_read(user=user, thread=thread)
        context = {
            part: mark_safe(pagecache.personalize(html, request=request, voted=voted))  # noqa: S308 - our templates
            for part, html in parts.items()
        }
        return render(
            request,
            self.template_name,
            {
                **context,
                "thread": thread,
                "category": thread.category,
                **role,
                "watching": selectors.thread_is_watched(user=user, thread=thread),
                "idea_form": IdeaStatusForm()
                if thread.category.is_ideas and user.has_perm("forums.set_idea_status")
                else None,
                **self._error_answer_tools(user, thread),
                **self._curation_tools(user, thread),
                # The reading beacon's visit (static/forums/reading.js): signed-in readers only.
                "reading_visit": services.reading_visit_token(user=user, thread=thread)
                if user.is_authenticated
                else "",
                "csrf_token": pagecache.csrf_token(request),
            },
        )

    def _curation_tools(self, user, thread) -> dict:
        """The original of a thread closed as a duplicate; the retag and close-as-duplicate
        forms for those whose trust level (or role) allows them."""
        tools = {"duplicate_of": None, "retag_form": None, "can_close_duplicates": False}
        if thread.duplicate_of_id:
            tools["duplicate_of"] = Thread.objects.visible().filter(pk=thread.duplicate_of_id).first()
        if user.is_authenticated:
            if permissions.can_retag(user, thread):
                tools["retag_form"] = RetagForm(initial={"tags": list(thread.tags.values_list("pk", flat=True))})
            tools["can_close_duplicates"] = permissions.can_close_duplicates(user)
        if tools["can_close_duplicates"] and not thread.duplicate_of_id:
            tools["duplicate_form"] = DuplicateForm()
        return tools

    def _error_answer_tools(self, user, thread) -> dict:
        """For staff, on a thread about an API error: which reply /v1 errors link to."""
        if not (thread.error_code and user.is_staff and user.has_perm("forums.change_erroranswer")):
            return {}
        replies = thread.posts.visible().filter(is_first=False).select_related("author__profile")
        return {
            "error_answer": selectors.error_answer_for_thread(thread=thread),
            "error_answer_replies": list(replies.defer("body")[:200]),
        }

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
        html = render_markdown(form.cleaned_data["body"], profile=MEMBER).html if form.is_valid() else ""
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
