from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Profile, User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name", "handle", "bio", "github", "website"]
        widgets = {
            "display_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "handle": forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
            "bio": forms.Textarea(attrs={"rows": 4}),
            "github": forms.URLInput(attrs={"placeholder": "https://github.com/your-name"}),
            "website": forms.URLInput(attrs={"placeholder": "https://example.com", "autocomplete": "url"}),
        }
        help_texts = {
            "bio": _("Markdown, as in forum posts: **bold**, `code`, [links](https://…), @handle mentions."),
        }

    def clean_handle(self):
        return self.cleaned_data["handle"].strip().lower()


class AccountDeleteForm(forms.Form):
    """Deleting an account cannot be undone: the owner types their email and password."""

    email = forms.EmailField(label=_("Your email address"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, user: User, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_email(self):
        email = self.cleaned_data["email"]
        if email.strip().lower() != self.user.email.lower():
            raise forms.ValidationError(_("This is not your account's email address."), code="email_mismatch")
        return email

    def clean_password(self):
        from allauth.core import ratelimit

        password = self.cleaned_data["password"]
        # Guessing the password through this form is throttled like allauth's reauthentication.
        if self.request is not None and not ratelimit.consume(self.request, action="reauthenticate", user=self.user):
            raise forms.ValidationError(_("Too many attempts. Wait a minute and try again."), code="rate_limited")
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."), code="password_incorrect")
        return password
