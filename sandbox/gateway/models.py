"""The gateway's own table: rate-limit boosts (the limits themselves live in settings and
on each key; the buckets live in Redis)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class RateLimitBoost(models.Model):
    """A period during which a member's key and account limits are multiplied.

    Granted by another app's service (the rewards store) through
    ``sandbox.gateway.boosts.rate_limit_boost_grant``, at most once per ``reference``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rate_limit_boosts", verbose_name=_("member")
    )
    multiplier = models.DecimalField(
        _("multiplier"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("1.01")), MaxValueValidator(Decimal("20"))],
        help_text=_("Each per-minute limit of the member's keys and account is multiplied by this."),
    )
    starts = models.DateTimeField(_("starts"))
    ends = models.DateTimeField(_("ends"), db_index=True)
    reference = models.CharField(_("reference"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-starts", "-id"]
        verbose_name = _("rate-limit boost")
        verbose_name_plural = _("rate-limit boosts")
        indexes = [models.Index(fields=["user", "ends"], name="gateway_boost_user_ends")]
        constraints = [models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="gateway_boost_ends_after")]

    def __str__(self):
        return f"x{self.multiplier} for {self.user_id} until {self.ends:%Y-%m-%d %H:%M}"
