from django import forms
from django.utils.translation import gettext_lazy as _


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda value: value == "yes", widget=forms.RadioSelect
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        label=_("Anything we should add or fix? (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QuickstartKeyForm(forms.Form):
    name = forms.CharField(max_length=100, required=False, initial="Quickstart", label=_("Key name"))
