from django import forms
from django.utils.translation import gettext_lazy as _

from .services import sample_parse


class RecipePublishForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown. What the data was, why these settings, what to watch for."),
    )
    results = forms.CharField(
        label=_("Results"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown. How the fine-tuned model did: evaluations, examples of its answers."),
    )
    sample = forms.CharField(
        label=_("Public sample (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "class": "font-monospace"}),
        help_text=_(
            "Your training data is never shown. To show readers what it looks like, paste up to 5 examples of "
            'your choice here, one JSON object per line in the chat format ({"messages": [...]}).'
        ),
    )

    def clean_sample(self):
        text = self.cleaned_data["sample"]
        sample_parse(text)  # raises ValidationError with the problem
        return text
