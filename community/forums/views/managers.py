"""Community managers: the unanswered queue and the taxonomy."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from .. import permissions, selectors, services
from ..forms import (
    CategoryForm,
    TagForm,
)
from .base import ModeratorMixin, _add_errors, _page

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
