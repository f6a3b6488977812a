from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sandbox.registry.selectors import hosted_models_visible

from .images import MAX_SCREENSHOTS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ScreenshotsField(forms.FileField):
    """Several files in one input; each is checked by the service (by content, with Pillow)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [super(ScreenshotsField, self).clean(item, initial) for item in files]
        if len(files) > MAX_SCREENSHOTS:
            raise forms.ValidationError(_("Upload at most %(n)s screenshots.") % {"n": MAX_SCREENSHOTS})
        return files


class EntryForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    tagline = forms.CharField(label=_("Tagline"), max_length=160, help_text=_("One sentence: what it does."))
    description = forms.CharField(
        label=_("Description"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown. How it works, what you built it with, what you learned."),
    )
    url = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    repository_url = forms.URLField(label=_("Repository"), required=False, max_length=500, assume_scheme="https")
    models = forms.MultipleChoiceField(
        label=_("Models used"), required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=200, help_text=_("Up to 5, separated by commas.")
    )
    verified_usage = forms.BooleanField(
        label=_("Show verified usage"),
        required=False,
        help_text=_(
            "Show how many successful API calls you made this month with these models, from your real usage records."
        ),
    )
    screenshots = ScreenshotsField(
        label=_("Screenshots"), required=False, help_text=_("PNG, JPEG or WebP, at most 5 MB each.")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        ids = list(hosted_models_visible(user=user).values_list("model_id", flat=True))
        current = list(self.initial.get("models") or [])
        self.fields["models"].choices = [(m, m) for m in dict.fromkeys([*ids, *current])]

    def clean_tags(self):
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]


class EditForm(EntryForm):
    remove_screenshots = forms.TypedMultipleChoiceField(
        label=_("Remove screenshots"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, entry, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remove_screenshots"].choices = [
            (shot.pk, _("Screenshot %(n)s") % {"n": number}) for number, shot in enumerate(entry.screenshots.all(), 1)
        ]
        if not self.fields["remove_screenshots"].choices:
            del self.fields["remove_screenshots"]
