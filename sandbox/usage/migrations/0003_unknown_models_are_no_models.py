"""Records stored before the gateway told a model from a name: a name that is no model
(a typo, garbage a client sent) moves to ``requested_model``, so that usage and the staff
dashboard aggregate only models. Hosted models ever registered count as models, deleted
fine-tunes' names are kept only where a successful call proves they were one."""

from django.db import migrations
from django.db.models import F, Q


def forward(apps, schema_editor):
    UsageRecord = apps.get_model("usage", "UsageRecord")
    HostedModel = apps.get_model("registry", "HostedModel")
    known = set(HostedModel.objects.values_list("model_id", flat=True))
    known |= set(UsageRecord.objects.filter(status_code__lt=400).values_list("model_id", flat=True).distinct())
    unknown = UsageRecord.objects.exclude(model_id="").exclude(model_id__in=known)
    unknown.filter(requested_model="").update(requested_model=F("model_id"))
    unknown.update(model_id="")
    # A model lookup that failed never found a model, whatever the name was.
    failed = UsageRecord.objects.filter(Q(error_code="model_not_found") | Q(error_code="not_found", endpoint="models"))
    failed = failed.exclude(model_id="")
    failed.filter(requested_model="").update(requested_model=F("model_id"))
    failed.update(model_id="")


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0002_request_log"),
        ("registry", "0002_model_id_help_text"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
