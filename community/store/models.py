"""The rewards store: what managers offer for points, and each member's redemptions."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    CREDITS = "credits", _("Compute credits")
    RATE_LIMIT_BOOST = "rate_limit_boost", _("Rate-limit boost")
    PHYSICAL = "physical", _("Physical item")


class StoreItemQuerySet(models.QuerySet):
    def on_sale(self):
        return self.filter(active=True)


class StoreItem(models.Model):
    """Something members may redeem their points for; kept by managers in the admin.

    What a redemption delivers depends on ``kind``: credits go into the billing ledger (the
    balance the API and fine-tuning spend), a boost multiplies the member's /v1 rate limits
    for a while, and a physical item is shipped once a manager approves the order.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    points_price = models.PositiveIntegerField(_("price in points"), validators=[MinValueValidator(1)])
    active = models.BooleanField(_("on sale"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Lower numbers show first."))
    credit_amount = models.DecimalField(
        _("credits granted"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Compute credits: how many credits one redemption adds to the member's balance."),
    )
    boost_multiplier = models.DecimalField(
        _("boost multiplier"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1.01")), MaxValueValidator(Decimal("20"))],
        help_text=_("Rate-limit boost: the member's per-minute limits are multiplied by this."),
    )
    boost_duration = models.DurationField(
        _("boost duration"), null=True, blank=True, help_text=_("Rate-limit boost: how long it lasts (e.g. 24:00:00).")
    )
    stock = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("How many are left; empty for no limit.")
    )
    needs_shipping = models.BooleanField(
        _("needs shipping details"),
        default=True,
        help_text=_("Physical item: the member gives a postal address when redeeming."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = StoreItemQuerySet.as_manager()

    class Meta:
        ordering = ["position", "points_price", "name"]
        verbose_name = _("store item")
        verbose_name_plural = _("store items")
        constraints = [
            models.CheckConstraint(condition=Q(points_price__gt=0), name="store_item_price_positive"),
            models.CheckConstraint(
                condition=~Q(kind="credits") | Q(credit_amount__gt=0), name="store_item_credits_amount"
            ),
            models.CheckConstraint(
                condition=~Q(kind="rate_limit_boost") | (Q(boost_multiplier__gt=1) & Q(boost_duration__isnull=False)),
                name="store_item_boost_terms",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("store:item", kwargs={"slug": self.slug})

    def clean(self):
        errors = {}
        if self.kind == ItemKind.CREDITS and not self.credit_amount:
            errors["credit_amount"] = _("Compute credits need the amount of credits to grant.")
        if self.kind == ItemKind.RATE_LIMIT_BOOST:
            if not self.boost_multiplier:
                errors["boost_multiplier"] = _("A rate-limit boost needs a multiplier.")
            if not self.boost_duration:
                errors["boost_duration"] = _("A rate-limit boost needs a duration.")
            elif self.boost_duration.total_seconds() <= 0:
                errors["boost_duration"] = _("The duration must be positive.")
        if errors:
            raise ValidationError(errors)

    @property
    def ships(self) -> bool:
        """Whether redeeming it asks for a postal address."""
        return self.kind == ItemKind.PHYSICAL and self.needs_shipping

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0


class RedemptionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused, points returned")
    REFUNDED = "refunded", _("Cancelled, points returned")


class RedemptionQuerySet(models.QuerySet):
    def for_member(self, user):
        return self.filter(member=user)

    def pending(self):
        return self.filter(status=RedemptionStatus.PENDING)


class Redemption(models.Model):
    """A member's points spent on a store item: one per submitted redeem form.

    ``idempotency_key`` is the form's own id (a uuid drawn when the form was rendered), so
    a double click, a retry or the same form open in two tabs place one order.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="store_redemptions", verbose_name=_("member")
    )
    item = models.ForeignKey(StoreItem, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("item"))
    # What the item was when redeemed (managers may change it later).
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    item_name = models.CharField(_("item name"), max_length=120)
    points = models.PositiveIntegerField(_("points spent"))
    status = models.CharField(_("status"), max_length=20, choices=RedemptionStatus.choices)
    idempotency_key = models.UUIDField(_("form id"))
    credit_amount = models.DecimalField(_("credits granted"), max_digits=12, decimal_places=2, null=True, blank=True)
    boost_multiplier = models.DecimalField(_("boost multiplier"), max_digits=4, decimal_places=2, null=True, blank=True)
    boost_starts = models.DateTimeField(_("boost starts"), null=True, blank=True)
    boost_ends = models.DateTimeField(_("boost ends"), null=True, blank=True)
    shipping_name = models.CharField(_("full name"), max_length=120, blank=True)
    shipping_address = models.CharField(_("address"), max_length=200, blank=True)
    shipping_address2 = models.CharField(_("address (line 2)"), max_length=200, blank=True)
    shipping_city = models.CharField(_("city"), max_length=100, blank=True)
    shipping_postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    shipping_country = models.CharField(_("country"), max_length=60, blank=True)
    shipping_phone = models.CharField(_("phone"), max_length=30, blank=True)
    decision_note = models.CharField(_("note to the member"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("redeemed"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = RedemptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        constraints = [
            models.UniqueConstraint(fields=["member", "idempotency_key"], name="store_redemption_once_per_form"),
        ]
        indexes = [
            models.Index(fields=["member", "-created_at"], name="store_redemption_member"),
            models.Index(fields=["status", "-created_at"], name="store_redemption_status"),
        ]

    def __str__(self):
        return f"{self.item_name} ({self.points}) for {self.member_id}"

    @property
    def cause(self) -> str:
        """The points ledger's cause of this redemption's spend (and of its refund)."""
        return f"redemption:{self.idempotency_key}"

    @property
    def shipping_lines(self) -> list[str]:
        lines = [
            self.shipping_name,
            self.shipping_address,
            self.shipping_address2,
            " ".join(p for p in (self.shipping_postal_code, self.shipping_city) if p),
            self.shipping_country,
            self.shipping_phone,
        ]
        return [line for line in lines if line]
