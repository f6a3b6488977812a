from datetime import timedelta

from django import forms
from django.conf import settings
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


def log_bodies_choices() -> list[tuple[int, str]]:
    """Off, or the days the request log keeps bodies, within the site's limit."""
    choices = [(0, _("Off: keep no bodies"))]
    for days, label in ((1, _("1 day")), (7, _("7 days")), (30, _("30 days"))):
        if days <= settings.REQUEST_LOG_BODIES_MAX_DAYS:
            choices.append((days, label))
    return choices


class LogBodiesField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Log request and response bodies"),
            choices=log_bodies_choices,
            coerce=int,
            empty_value=0,
            required=False,
            initial=0,
            help_text=_(
                "Off by default: the request log records each call's outcome, never what was sent. "
                "Turned on, it also keeps this key's request and response bodies for the days chosen, "
                "then deletes them."
            ),
            **kwargs,
        )


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the key is for, e.g. “laptop” or “CI”."))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiKey.Scope.choices,
        initial=ApiKey.DEFAULT_SCOPES,
        # Bootstrap's form-check-input: the box keeps its distance from its label.
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    expires_in = forms.ChoiceField(label=_("Expires"), choices=EXPIRY_CHOICES, required=False)
    log_bodies_days = LogBodiesField()

    def clean_scopes(self):
        scopes = self.cleaned_data["scopes"]
        if ApiKey.Scope.READ_ONLY in scopes and len(scopes) > 1:
            raise forms.ValidationError(_("A read-only key cannot have other scopes: choose read-only alone."))
        return scopes

    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None


class ApiKeyEditForm(forms.Form):
    """What the owner may change on a key: its name and whether its bodies are logged."""

    name = forms.CharField(label=_("Name"), max_length=100)
    log_bodies_days = LogBodiesField()


class ApiKeyRollForm(forms.Form):
    overlap = forms.ChoiceField(
        label=_("Keep the old secret working for"),
        choices=[("0", _("No overlap: stop it now")), ("1h", _("1 hour")), ("24h", _("24 hours")), ("7d", _("7 days"))],
        initial="24h",
    )

    def overlap_delta(self):
        return ROLL_OVERLAPS[self.cleaned_data["overlap"]]
