"""The member's rewards pages: the hub, the points history, the leaderboard opt-out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .hub import hub_links, hub_section_templates

HISTORY_PAGE_SIZE = 50
HUB_RECENT = 8


@login_required
def hub(request):
    standing = selectors.standing_of(user_id=request.user.pk)
    recent = selectors.points_entries_for_user(user=request.user)[:HUB_RECENT]
    context = {
        "standing": standing,
        "recent": selectors.entries_described(recent),
        "links": hub_links(),
        "sections": hub_section_templates(),
        "opted_out": selectors.leaderboard_opted_out(user_id=request.user.pk),
    }
    return render(request, "rewards/hub.html", context)


@login_required
def history(request):
    entries = selectors.points_entries_for_user(user=request.user)
    page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    page.elided_range = page.paginator.get_elided_page_range(page.number)
    context = {
        "page": page,
        "rows": selectors.entries_described(page.object_list),
        "standing": selectors.standing_of(user_id=request.user.pk),
    }
    return render(request, "rewards/history.html", context)


@login_required
@require_POST
def leaderboard_optout(request):
    opt_out = request.POST.get("opt_out") == "1"
    services.leaderboard_opt_out_set(user=request.user, opt_out=opt_out)
    if opt_out:
        messages.success(request, _("You are hidden from the leaderboards."))
    else:
        messages.success(request, _("You are shown on the leaderboards again."))
    return redirect("rewards:hub")
