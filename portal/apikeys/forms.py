from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiKey
from .services import ROLL_OVERLAPS

EXPIRY_CHOICES = [
    ("", _("Never")),
    ("7", _("In 7 days")),
    ("30", _("In 30 days")),
    ("90", _("In 90 days")),
    ("365", _("In 1 year")),
]


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the key is for, e.g. “laptop” or “CI”."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiKey.Scope.choices,
        initial=ApiKey.DEFAULT_SCOPES,
        widget=forms.CheckboxSelectMultiple,
    )
    expires_in = forms.ChoiceField(label=_("Expires"), choices=EXPIRY_CHOICES, required=False)

    def clean_scopes(self):
        scopes = self.cleaned_data["scopes"]
        if ApiKey.Scope.READ_ONLY in scopes and len(scopes) > 1:
            raise forms.ValidationError(_("A read-only key cannot have other scopes: choose read-only alone."))
        return scopes

    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None


class ApiKeyRollForm(forms.Form):
    overlap = forms.ChoiceField(
        label=_("Keep the old secret working for"),
        choices=[("0", _("No overlap: stop it now")), ("1h", _("1 hour")), ("24h", _("24 hours")), ("7d", _("7 days"))],
        initial="24h",
    )

    def overlap_delta(self):
        return ROLL_OVERLAPS[self.cleaned_data["overlap"]]
