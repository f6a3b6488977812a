"""The badge pages, the honors page and the managers' honor form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_safe

from . import selectors, services
from .forms import HonorAwardForm

HOLDERS_PER_PAGE = 50
HONORS_PER_PAGE = 30


def _page(object_list, per_page: int, request):
    page = Paginator(object_list, per_page).get_page(request.GET.get("page"))
    page.elided_range = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return page


@require_safe
def badge_index(request):
    return render(request, "badges/index.html", {"groups": selectors.badge_catalogue(viewer=request.user)})


@require_safe
def badge_detail(request, slug):
    definition, badge = selectors.badge_get(slug=slug)
    page = _page(selectors.badge_holders(badge=badge), HOLDERS_PER_PAGE, request)
    return render(
        request,
        "badges/detail.html",
        {
            "definition": definition,
            "badge": badge,
            "page": page,
            "holder_count": selectors.badge_holder_count(badge=badge),
        },
    )


@require_safe
def honor_list(request):
    return render(
        request,
        "badges/honors.html",
        {
            "page": _page(selectors.honors_list(), HONORS_PER_PAGE, request),
            "kinds": selectors.honor_kinds(),
            "can_award": services.can_award_honors(request.user),
        },
    )


class HonorAwardView(LoginRequiredMixin, UserPassesTestMixin, View):
    """Managers honor a member with a citation, helped by the ledger's top earners of the month."""

    raise_exception = True  # a signed-in member who is not a manager gets 403, not a login page

    def test_func(self):
        return services.can_award_honors(self.request.user)

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            self.raise_exception = False
        return super().handle_no_permission()

    def get(self, request, form=None, status=200):
        if form is None:
            member = request.GET.get("member", "").strip()
            form = HonorAwardForm(initial={"member": member} if member else None)
        return render(
            request,
            "badges/honor_award.html",
            {
                "form": form,
                "nominees": selectors.nominations(),
                "days": selectors.NOMINATION_DAYS,
                "kinds_exist": selectors.honor_kinds().exists(),
            },
            status=status,
        )

    def post(self, request):
        form = HonorAwardForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                honor = services.honor_award(
                    awarded_by=request.user,
                    user=data["member"],
                    kind=data["kind"],
                    citation=data["citation"],
                    key=data["key"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for name, errors in error.error_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                messages.success(
                    request, _("%(name)s was honored. They have been told.") % {"name": honor.user.profile.name}
                )
                return redirect("badges:honors")
        return self.get(request, form=form, status=400)
