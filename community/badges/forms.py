import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.selectors import active_users_by_handles
from portal.shipped import shipped_translate

from .models import HonorKind


class HonorKindChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return shipped_translate(obj.name)


class HonorAwardForm(forms.Form):
    member = forms.CharField(
        label=_("Member"),
        max_length=60,
        help_text=_("Their handle, as on their profile (@handle)."),
    )
    kind = HonorKindChoice(label=_("Honor"), queryset=HonorKind.objects.filter(active=True), empty_label=None)
    citation = forms.CharField(
        label=_("Citation"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say why the member is honored.")},
        help_text=_("Why the member is honored, in a sentence or two. It is shown with the honor."),
    )
    # One key per rendered form: submitting it twice awards once.
    key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean_member(self):
        handle = self.cleaned_data["member"].strip().lstrip("@")
        users = active_users_by_handles(handles=[handle])
        if not users:
            raise forms.ValidationError(_("No active member has the handle @%(handle)s.") % {"handle": handle})
        return users[0]

    def clean_citation(self):
        citation = self.cleaned_data["citation"].strip()
        if not citation:
            raise forms.ValidationError(_("Say why the member is honored."))
        return citation
