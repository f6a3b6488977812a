"""What every forum view shares: scoping mixins, pagination, form error plumbing."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property

from portal.markdown import MEMBER, render_markdown

from .. import selectors
from ..models import Thread


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
        # Only how many rows there are: without the reader's read-marker subquery and the
        # sort, which the database would otherwise compute for every counted row.
        return self.object_list.order_by().values("pk")[: cap + 1].count()

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
        return render_markdown(form.cleaned_data["body"], profile=MEMBER).html
    return None


class ThreadScopedMixin:
    """Loads `self.thread` for the caller (404 when they may not see it; merged threads redirect)."""

    def get_thread(self, request, pk: int) -> Thread:
        return selectors.thread_get_for_user(user=request.user, pk=pk)

    def dispatch(self, request, *args, **kwargs):
        try:
            self.thread = self.get_thread(request, kwargs["pk"])
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
