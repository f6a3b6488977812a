"""Bounties: offering one on a question, and the list of open bounties."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from community.rewards import selectors as rewards_selectors

from ..models import BOUNTY_MAX_POINTS, BOUNTY_MIN_POINTS
from ..selectors import bounties as bounty_selectors
from ..services import bounties as bounty_services
from .base import ThreadScopedMixin, _page

BOUNTIES_PER_PAGE = 30


class BountyOfferForm(forms.Form):
    amount = forms.IntegerField(label=gettext_lazy("Points"), min_value=BOUNTY_MIN_POINTS, max_value=BOUNTY_MAX_POINTS)


class BountyOfferView(LoginRequiredMixin, ThreadScopedMixin, View):
    """GET (htmx, when the member opens the offer form): whether they may offer and their
    balance. POST: spend points on this question; the thread page says what happened (a
    member below the level that offers bounties gets 403 instead)."""

    def get(self, request, pk):
        allowed = bounty_selectors.bounty_offer_allowed(user=request.user)
        context = {
            "allowed": allowed,
            "refusal": "" if allowed else bounty_selectors.bounty_offer_refusal(),
            "balance": rewards_selectors.standing_of(user_id=request.user.pk).balance if allowed else 0,
            "min_points": BOUNTY_MIN_POINTS,
        }
        return render(request, "forums/_bounty_balance.html", context)

    def post(self, request, pk):
        url = self.thread.get_absolute_url() + "#bounty"
        if not bounty_selectors.bounty_offer_allowed(user=request.user):
            # Below the trust level that offers bounties: 403, naming the level (before the form).
            context = {"message": bounty_selectors.bounty_offer_refusal(), "back": self.thread.get_absolute_url()}
            return render(request, "forums/refused.html", context, status=403)
        form = BountyOfferForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
            return redirect(url)
        amount = form.cleaned_data["amount"]
        try:
            bounty_services.bounty_offer(user=request.user, thread=self.thread, amount=amount)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You cannot offer a bounty."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Your bounty of %(amount)d points is open: the accepted answer receives it.") % {"amount": amount},
            )
        return redirect(url)


class BountyListView(View):
    """Open bounties, soonest to end first."""

    template_name = "forums/bounties.html"

    def get(self, request):
        page = _page(bounty_selectors.bounties_open(), BOUNTIES_PER_PAGE, request)
        return render(request, self.template_name, {"page": page})
