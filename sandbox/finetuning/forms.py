from django import forms
from django.utils.translation import gettext_lazy as _

from sandbox.registry.selectors import fine_tunable_base_models

from .models import TrainingFile

AUTO = [("", _("auto"))]


class FileUploadForm(forms.Form):
    file = forms.FileField(label=_("Training data (JSONL)"))


class JobCreateForm(forms.Form):
    model = forms.ModelChoiceField(
        queryset=fine_tunable_base_models().none(), to_field_name="model_id", label=_("Base model"), empty_label=None
    )
    training_file = forms.ModelChoiceField(
        queryset=TrainingFile.objects.none(),
        required=False,
        label=_("Training file"),
        empty_label=_("Upload a new file below"),
    )
    upload = forms.FileField(required=False, label=_("…or upload a JSONL file"))
    validation_file = forms.ModelChoiceField(
        queryset=TrainingFile.objects.none(), required=False, label=_("Validation file (optional)")
    )
    n_epochs = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=50,
        label=_("Epochs"),
        help_text=_("Empty: auto, picked from the training file's size (3 for most files)."),
        widget=forms.NumberInput(attrs={"placeholder": _("auto")}),
    )
    batch_size = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=256,
        label=_("Batch size"),
        help_text=_("Empty: auto, picked from the training file's size."),
        widget=forms.NumberInput(attrs={"placeholder": _("auto")}),
    )
    learning_rate_multiplier = forms.FloatField(
        required=False,
        min_value=0.01,
        max_value=100,
        label=_("Learning-rate multiplier"),
        widget=forms.NumberInput(attrs={"placeholder": _("auto (1.0)"), "step": "any"}),
    )
    rank = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=256,
        label=_("LoRA rank"),
        widget=forms.NumberInput(attrs={"placeholder": _("auto (8)")}),
    )
    suffix = forms.CharField(required=False, max_length=64, label=_("Suffix"))
    seed = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1, label=_("Seed"))
    # A job forked from a community recipe carries the recipe's id into the job.
    recipe = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    # What a link may pre-fill (a recipe's "Fork"): the configuration, never the data.
    PREFILLED = ("model", "n_epochs", "batch_size", "learning_rate_multiplier", "rank", "suffix", "recipe")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].queryset = fine_tunable_base_models()
        files = TrainingFile.objects.owned_by(user)
        self.fields["training_file"].queryset = files
        self.fields["validation_file"].queryset = files

    @classmethod
    def initial_from(cls, query) -> dict:
        """Initial values from a query string (``?model=...&n_epochs=3&recipe=7``); a value
        that is not valid for its field is left out, so a bad link shows the plain form."""
        initial = {}
        for name in cls.PREFILLED:
            value = query.get(name)
            if not value:
                continue
            field = cls.base_fields[name]
            try:
                cleaned = field.clean(value) if name != "model" else value
            except forms.ValidationError:
                continue
            initial[name] = cleaned
        return initial

    def clean(self):
        data = super().clean()
        if not data.get("training_file") and not data.get("upload"):
            raise forms.ValidationError(_("Pick a training file or upload one."))
        return data

    def hyperparameters(self) -> dict:
        names = ("n_epochs", "batch_size", "learning_rate_multiplier", "rank")
        return {n: self.cleaned_data[n] for n in names if self.cleaned_data.get(n) is not None}


class WebhookForm(forms.Form):
    url = forms.URLField(required=False, label=_("Endpoint URL"), assume_scheme="https")
