from django import forms

from .models import Profile


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name", "handle", "bio", "github", "website"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
