from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Region


class ApplicationForm(forms.Form):
    motivation = forms.CharField(
        label=_("Why do you want to be an ambassador?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        min_length=50,
        max_length=3000,
        help_text=_("What you would organise, answer or write about, and for whom (50 characters at least)."),
    )
    region = forms.ChoiceField(label=_("Region"), choices=[("", "---------"), *Region.choices])
    languages = forms.CharField(
        label=_("Languages"),
        max_length=200,
        help_text=_("The languages you can host and answer in, e.g. English, 中文."),
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        max_length=1500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Up to 5 links, one a line: your blog, GitHub, talks."),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("decline", _("Decline"))], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note to the applicant"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Mailed to the applicant with the decision; required when you decline."),
    )
