from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_RANGE_DAYS = 366


class UsageFilterForm(forms.Form):
    """Date range (inclusive, UTC) and optional model / key filters of the usage page and its CSV."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    model = forms.CharField(label=_("Model"), required=False, max_length=200)
    key = forms.IntegerField(label=_("Key"), required=False, min_value=1)

    def clean(self):
        data = super().clean()
        today = timezone.now().date()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=29)
        if start > end:
            raise forms.ValidationError(_("The start date must be on or before the end date."))
        if (end - start).days >= MAX_RANGE_DAYS:
            raise forms.ValidationError(_("Choose a range of at most %(days)s days.") % {"days": MAX_RANGE_DAYS})
        data["start"], data["end"] = start, end
        return data


class RequestLogFilterForm(forms.Form):
    """The request log's filters: outcome or error code, key, and a request id to find."""

    status = forms.RegexField(label=_("Status"), regex=r"^[a-z0-9_]{0,64}$", required=False)
    key = forms.RegexField(label=_("Key"), regex=r"^(playground|[0-9]{1,18})?$", required=False)
    q = forms.CharField(label=_("Request id"), required=False, max_length=100, strip=True)
