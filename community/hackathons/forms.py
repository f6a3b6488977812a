"""The hackathon pages' forms: bad input becomes a form error, never a 5xx."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SCORE_MAX


class TeamCreateForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=80)


class TeamJoinForm(forms.Form):
    invite_code = forms.CharField(label=_("Invite code"), max_length=16)


def _words(value: str, limit: int) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w.strip() for w in (value or "").split(",") if w.strip()))[:limit]


class SubmitExistingForm(forms.Form):
    """Submit an entry a member of the team already published."""

    entry = forms.TypedChoiceField(label=_("Showcase entry"), coerce=int, choices=())

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [(e.pk, e.title) for e in entries]


class SubmitNewForm(forms.Form):
    """Publish a new showcase entry, labelled with the hackathon, and submit it."""

    title = forms.CharField(label=_("Title"), max_length=120)
    tagline = forms.CharField(label=_("Tagline"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    repository_url = forms.URLField(label=_("Repository"), required=False, assume_scheme="https")
    models = forms.CharField(
        label=_("Models used"), required=False, max_length=300, help_text=_("Separated by commas.")
    )
    tags = forms.CharField(label=_("Tags"), required=False, max_length=200, help_text=_("Separated by commas."))

    def clean_models(self):
        return _words(self.cleaned_data.get("models"), 10)

    def clean_tags(self):
        return _words(self.cleaned_data.get("tags"), 10)


class ScoreForm(forms.Form):
    """A judge's score (0 to SCORE_MAX) and comment for each criterion of one submission."""

    def __init__(self, *args, criteria=(), scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            existing = (scores or {}).get(criterion.pk)
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                label=criterion.name,
                min_value=0,
                max_value=SCORE_MAX,
                initial=existing.value if existing else None,
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=existing.comment if existing else "",
            )

    def rows(self):
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def scores(self) -> dict[int, tuple[int, str]]:
        return {
            c.pk: (self.cleaned_data[f"score_{c.pk}"], self.cleaned_data.get(f"comment_{c.pk}", ""))
            for c in self.criteria
        }
