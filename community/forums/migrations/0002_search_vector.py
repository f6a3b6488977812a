"""On PostgreSQL: a generated tsvector over title (A) and posts (B), with a GIN index.

SQLite (the embedded default) has no tsvector; search falls back to plain matching there.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE forums_thread ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
    setweight(to_tsvector('english', left(coalesce(search_text, ''), 500000)), 'B')
) STORED;
CREATE INDEX forums_thread_search ON forums_thread USING gin (search_vector);
"""
BACKWARD = "DROP INDEX IF EXISTS forums_thread_search; ALTER TABLE forums_thread DROP COLUMN IF EXISTS search_vector;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("forums", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
