from django import forms

from .models import NotificationPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = [
            "email_reply",
            "email_mention",
            "email_accepted",
            "email_watched",
            "email_badge",
            "email_honor",
            "digest",
        ]
        widgets = {"digest": forms.RadioSelect}
