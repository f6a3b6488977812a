from django import forms
from django.utils.translation import gettext_lazy as _

from .levels import Level


class MemberLevelForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Trust level"), choices=Level.choices, coerce=int, widget=forms.Select(attrs={"class": "form-select"})
    )
    locked = forms.BooleanField(
        label=_("Lock this level (no automatic promotion or demotion)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("Note (why)"), max_length=300, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )
