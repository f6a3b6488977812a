import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

POSTAL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,11}$")
PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,25}$")
# Anything but control characters (no line breaks smuggled into a label printer either).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RedeemForm(forms.Form):
    """The redeem button's form. ``idempotency_key`` is drawn when the form is rendered and
    names the order: submitting the same form again (double click, retry, another tab)
    finds the order it placed instead of placing another."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, item, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.item = item
        if item.ships:
            self.fields.update(shipping_fields())


def shipping_fields() -> dict:
    """The postal address fields a physical item asks for (new instances each time)."""
    return {
        "shipping_name": forms.CharField(label=_("Full name"), max_length=120, validators=[_printable]),
        "shipping_address": forms.CharField(
            label=_("Street address"), max_length=200, validators=[_printable], min_length=3
        ),
        "shipping_address2": forms.CharField(
            label=_("Address line 2 (optional)"), max_length=200, required=False, validators=[_printable]
        ),
        "shipping_city": forms.CharField(label=_("City"), max_length=100, validators=[_printable]),
        "shipping_postal_code": forms.CharField(label=_("Postal code"), max_length=12, validators=[_postal_code]),
        "shipping_country": forms.CharField(label=_("Country"), max_length=60, validators=[_printable]),
        "shipping_phone": forms.CharField(
            label=_("Phone (optional, for the courier)"), max_length=25, required=False, validators=[_phone]
        ),
    }


def _printable(value: str) -> None:
    if CONTROL.search(value):
        raise forms.ValidationError(_("Use letters, digits and punctuation only."), code="control")


def _postal_code(value: str) -> None:
    if not POSTAL_CODE.match(value.strip()):
        raise forms.ValidationError(_("Enter a valid postal code (letters, digits, spaces or dashes)."), code="postal")


def _phone(value: str) -> None:
    if value and not PHONE.match(value.strip()):
        raise forms.ValidationError(
            _("Enter a phone number: digits, spaces, dashes, an optional leading +."), code="phone"
        )


class DecisionForm(forms.Form):
    """A manager's decision on a physical order."""

    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("refuse", _("Refuse")), ("refund", _("Cancel and refund"))]
    )
    note = forms.CharField(
        label=_("Note to the member"),
        max_length=500,
        required=False,
        help_text=_("Required to refuse or cancel: the member reads it in the email."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("refuse", "refund") and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why: the member reads it."))
        return data
