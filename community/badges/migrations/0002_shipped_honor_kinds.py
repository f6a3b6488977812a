"""The honor kinds Atrium ships (their names and descriptions are translated as shipped
texts while managers leave them as written; see community/badges/models.py)."""

from django.db import migrations

HONOR_KINDS = [
    (
        "contributor-of-the-month",
        "Contributor of the Month",
        "The member whose answers and help meant the most to the community this month.",
    ),
    (
        "technical-pioneer",
        "Technical Pioneer",
        "A member who opened up new ground: a tool, a guide or a technique others now build on.",
    ),
]


def seed(apps, schema_editor):
    HonorKind = apps.get_model("badges", "HonorKind")
    for slug, name, description in HONOR_KINDS:
        HonorKind.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})


class Migration(migrations.Migration):
    dependencies = [("badges", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
