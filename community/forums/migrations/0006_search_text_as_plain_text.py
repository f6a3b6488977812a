"""Threads' search text becomes what readers see (each visible post rendered, sanitized
and stripped to text) instead of its Markdown, so search snippets read as plain text."""

from django.db import migrations


def rebuild_search_text(apps, schema_editor):
    from portal.highlight import clean
    from portal.markdown import to_text

    Thread = apps.get_model("forums", "Thread")
    Post = apps.get_model("forums", "Post")
    for thread_id in Thread.objects.values_list("pk", flat=True).iterator():
        bodies = (
            Post.objects.filter(thread_id=thread_id, is_deleted=False, is_hidden=False)
            .order_by("created_at", "id")
            .values_list("body_html", flat=True)
        )
        text = "\n\n".join(clean(to_text(html)) for html in bodies)
        Thread.objects.filter(pk=thread_id).update(search_text=text)


class Migration(migrations.Migration):
    dependencies = [("forums", "0005_error_answer")]

    operations = [migrations.RunPython(rebuild_search_text, migrations.RunPython.noop)]
