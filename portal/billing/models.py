from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from portal.shipped import shipped_register, shipped_template_register

# The reasons the product writes on ledger lines: stored in English, shown in the reader's
# language (portal/shipped.py). The month is stored as YYYY-MM, which reads in any language.
REASON_MONTHLY_GRANT = gettext_noop("Free monthly credits ({month})")
REASON_API_USAGE = gettext_noop("API usage")  # sandbox.usage's charges
REASON_FINE_TUNING = gettext_noop("Fine-tuning device time")  # sandbox.finetuning's charges
shipped_template_register(REASON_MONTHLY_GRANT)
shipped_register(REASON_API_USAGE, REASON_FINE_TUNING)


class CreditEntry(models.Model):
    """One line of an account's append-only credit ledger.

    ``amount`` is signed (grants positive, charges negative); ``balance_after`` is the
    balance once this line applied, so the balance is one indexed read, and the ledger
    reads like a bank statement.
    """

    class Kind(models.TextChoices):
        GRANT = "grant", _("Grant")
        REWARD = "reward", _("Community reward")
        USAGE = "usage", _("API usage")
        FINE_TUNING = "fine-tuning", _("Fine-tuning")
        ADJUSTMENT = "adjustment", _("Adjustment")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credit_entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=6)
    balance_after = models.DecimalField(max_digits=16, decimal_places=6)
    reason = models.CharField(max_length=200)
    # Idempotency: one entry per (user, reference) when a reference is given.
    reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "credit entries"
        indexes = [models.Index(fields=["user", "-id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "reference"], condition=~models.Q(reference=""), name="billing_unique_reference"
            ),
            models.CheckConstraint(condition=~models.Q(amount=Decimal("0")), name="billing_nonzero_amount"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.amount:+} ({self.reason})"
