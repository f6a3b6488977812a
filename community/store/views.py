"""The store's pages: the catalogue, an item's redeem form, the member's orders, and the
managers' page for physical orders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_GET

from community.rewards.selectors import standing_of
from portal.shipped import shipped_translate

from . import selectors, services
from .forms import DecisionForm, RedeemForm

PAGE_SIZE = 50


@require_GET
def index(request):
    """Every item on sale, its price, and whether the viewer can redeem it now (and why not)."""
    offers, balance = selectors.store_offers(user=request.user)
    return render(request, "store/index.html", {"offers": offers, "balance": balance})


class ItemView(LoginRequiredMixin, View):
    """An item's page and its redeem form (with a postal address for items that ship)."""

    def dispatch(self, request, *args, **kwargs):
        self.item = selectors.store_item_on_sale(slug=kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, request, form, status=200):
        balance = standing_of(user_id=request.user.pk).balance
        offer = selectors.offer_for(item=self.item, balance=balance)
        return render(
            request,
            "store/item.html",
            {"item": self.item, "offer": offer, "balance": balance, "form": form},
            status=status,
        )

    def get(self, request, slug):
        return self.render_page(request, RedeemForm(item=self.item))

    def post(self, request, slug):
        form = RedeemForm(request.POST, item=self.item)
        if not form.is_valid():
            if "idempotency_key" in form.errors:
                # A tampered or truncated form: start a fresh one rather than guess.
                messages.error(request, _("The form was incomplete. Please submit it again."))
                return self.render_page(request, RedeemForm(item=self.item), status=400)
            return self.render_page(request, form, status=400)
        shipping = {name: value for name, value in form.cleaned_data.items() if name.startswith("shipping_")}
        try:
            outcome = services.redemption_create(
                member=request.user,
                item=self.item,
                idempotency_key=form.cleaned_data["idempotency_key"],
                shipping=shipping,
            )
        except services.InsufficientPoints:
            balance = standing_of(user_id=request.user.pk).balance
            form.add_error(
                None,
                _("Not enough points: you have %(balance)s, and this costs %(price)s. Nothing was spent.")
                % {"balance": balance, "price": self.item.points_price},
            )
            return self.render_page(request, form, status=409)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.render_page(request, form, status=409)
        redemption = outcome.redemption
        if not outcome.created:
            messages.info(request, _("This order was already placed; nothing more was spent."))
        elif redemption.status == selectors.RedemptionStatus.PENDING:
            messages.success(
                request,
                _("Ordered “%(item)s” for %(points)s points. A manager will confirm it before it ships.")
                % {"item": shipped_translate(redemption.item_name), "points": redemption.points},
            )
        else:
            messages.success(
                request,
                _("Redeemed “%(item)s” for %(points)s points.")
                % {"item": shipped_translate(redemption.item_name), "points": redemption.points},
            )
        return redirect(f"{_redemptions_url()}#redemption-{redemption.pk}")


def _redemptions_url() -> str:
    return reverse("store:redemptions")


@login_required
@require_GET
def redemptions(request):
    """The member's own orders."""
    page = Paginator(selectors.redemptions_for_member(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "store/redemptions.html",
        {"page": page, "balance": standing_of(user_id=request.user.pk).balance},
    )


class ManagerMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Staff holding the store's change permission (community managers, admins); others get 403."""

    permission_required = "store.change_redemption"

    def has_permission(self):
        return self.request.user.is_staff and super().has_permission()


class ManageView(ManagerMixin, View):
    """Physical orders waiting for a decision, and every order."""

    def get(self, request):
        status = request.GET.get("status") or ""
        orders = selectors.redemptions_all()
        if status in selectors.RedemptionStatus.values:
            orders = orders.filter(status=status)
        page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "store/manage.html",
            {
                "pending": list(selectors.redemptions_pending()[:PAGE_SIZE]),
                "page": page,
                "status": status,
                "statuses": selectors.RedemptionStatus.choices,
                "counts": selectors.redemption_counts_by_status(),
            },
        )


class DecideView(ManagerMixin, View):
    """Approve, refuse or cancel one physical order (POST)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        redemption = get_object_or_404(selectors.redemptions_all(), pk=pk, kind=selectors.ItemKind.PHYSICAL)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("store:manage")
        decide = {
            "approve": services.redemption_approve,
            "refuse": services.redemption_refuse,
            "refund": services.redemption_refund,
        }[form.cleaned_data["decision"]]
        try:
            decide(redemption_id=redemption.pk, manager=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("store:manage")
        messages.success(
            request,
            _("Order #%(id)s: %(status)s.")
            % {"id": redemption.pk, "status": _status_label(form.cleaned_data["decision"])},
        )
        return redirect("store:manage")


def _status_label(decision: str) -> str:
    return {
        "approve": _("approved"),
        "refuse": _("refused, points returned"),
        "refund": _("cancelled, points returned"),
    }[decision]
