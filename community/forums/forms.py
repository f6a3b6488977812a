from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Category, CategoryKind, FlagReason, IdeaStatus, Tag
from .selectors import KNOWN_ERROR_CODES

MAX_TAGS = 5
EMPTY_MESSAGE = _("The message is empty. Write something before posting.")


class BodyField(forms.CharField):
    """A post's Markdown. Kept as written (indented code must keep its spaces), but its
    length is counted without the whitespace around it, and a body of only whitespace is
    empty, not "too short"."""

    def __init__(self, *, min_length: int = 10, **kwargs):
        kwargs.setdefault("max_length", 30000)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 10, "class": "form-control font-monospace"}))
        kwargs.setdefault("label", _("Message (Markdown)"))
        kwargs.setdefault("strip", False)
        kwargs.setdefault("error_messages", {}).setdefault("required", EMPTY_MESSAGE)
        super().__init__(**kwargs)
        # Not CharField's min_length: its validator counts the surrounding whitespace too.
        self.min_body_length = min_length

    def clean(self, value):
        value = super().clean(value)
        if value is None:
            return value
        written = value.strip()
        if not written:
            if self.required:
                raise forms.ValidationError(EMPTY_MESSAGE, code="empty")
            return ""
        if len(written) < self.min_body_length:
            raise forms.ValidationError(
                ngettext(
                    "Write at least %(n)s character (yours has %(count)s).",
                    "Write at least %(n)s characters (yours has %(count)s).",
                    self.min_body_length,
                )
                % {"n": self.min_body_length, "count": len(written)},
                code="min_length",
            )
        return value


class ImageField(forms.ImageField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attach an image (PNG, JPEG, GIF or WebP, up to 4 MB)"))
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"class": "form-control", "accept": "image/*"}))
        super().__init__(**kwargs)


class ThreadForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    title = forms.CharField(min_length=10, max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}))
    body = BodyField()
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 5}),
        help_text=_("Up to five, from the managed list."),
    )
    error_code = forms.ChoiceField(
        required=False,
        label=_("API error code (optional)"),
        choices=[("", "—")] + [(c, c) for c in KNOWN_ERROR_CODES],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    image = ImageField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Category.objects.all()
        if not user.is_staff:
            qs = qs.exclude(kind=CategoryKind.ANNOUNCEMENT)
        self.fields["category"].queryset = qs

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(
                ngettext("Choose at most %(n)s tag.", "Choose at most %(n)s tags.", MAX_TAGS) % {"n": MAX_TAGS}
            )
        return tags

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if len(title) < 10:
            raise forms.ValidationError(_("Write a title of at least 10 characters that says what this is about."))
        return title


class ReplyForm(forms.Form):
    body = BodyField(min_length=2, label=_("Your reply (Markdown)"))
    image = ImageField()


class PostEditForm(forms.Form):
    title = forms.CharField(
        min_length=10, max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    body = BodyField(min_length=2)

    def __init__(self, *args, is_first: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if is_first:
            self.fields["title"].required = True
        else:
            del self.fields["title"]


class PreviewForm(forms.Form):
    body = forms.CharField(max_length=30000, required=False, strip=False)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(choices=FlagReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == FlagReason.OTHER and not data.get("note", "").strip():
            self.add_error("note", _("Tell the moderators what is wrong."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=200, required=True, widget=forms.TextInput(attrs={"class": "form-control"}))


class HideForm(ReasonForm):
    """A moderator hides a post; as spam, its author loses the spam points (until restored)."""

    kind = forms.ChoiceField(
        choices=[("hide", _("Hide")), ("spam", _("Spam"))],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class RetagForm(forms.Form):
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select form-select-sm", "size": 4}),
        label=_("Tags"),
        help_text=_("Up to five, from the managed list."),
    )

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(
                ngettext("Choose at most %(n)s tag.", "Choose at most %(n)s tags.", MAX_TAGS) % {"n": MAX_TAGS}
            )
        return tags


class DuplicateForm(forms.Form):
    original = forms.IntegerField(
        min_value=1,
        label=_("Duplicate of thread number"),
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )
    reason = forms.CharField(
        max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control form-control-sm"})
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))


class MoveForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(), widget=forms.Select(attrs={"class": "form-select"})
    )
    reason = forms.CharField(max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))


class MergeForm(forms.Form):
    target = forms.IntegerField(
        min_value=1, label=_("Merge into thread number"), widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    reason = forms.CharField(max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))


class SuspendForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))
    ends_at = forms.DateTimeField(
        label=_("Suspended until (UTC)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}),
    )

    def clean_ends_at(self):
        ends_at = self.cleaned_data["ends_at"]
        if ends_at <= timezone.now():
            raise forms.ValidationError(_("The end date must be in the future."))
        if ends_at > timezone.now() + timedelta(days=3650):
            raise forms.ValidationError(_("Suspensions end within ten years."))
        return ends_at


class IdeaStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[c for c in IdeaStatus.choices if c[0]], widget=forms.Select(attrs={"class": "form-select"})
    )
    reply = BodyField(min_length=2, label=_("Official reply"))


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "slug", "description", "color", "kind", "position"]
        widgets = {"color": forms.TextInput(attrs={"type": "color", "class": "form-control form-control-color"})}


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "description"]
