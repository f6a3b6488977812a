"""Writing many rows that were read (and locked) first, in one statement.

Django's ``bulk_update`` builds a ``CASE WHEN pk = ... THEN ...`` expression per row and
field, which costs far more Python than the database spends on it: at 500 rows, most of a
batch's time. On PostgreSQL ``rows_update`` sends the changed columns only, as one
``UPDATE ... FROM (VALUES ...)``; elsewhere (SQLite, the embedded default) it falls back
to ``bulk_update``. Only for rows that exist and that the caller holds locked: the values
written are absolute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.db import connections, models, router


def rows_update(model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Store ``fields`` of these existing rows as they are in memory (one statement)."""
    if not rows:
        return
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        model.objects.using(using).bulk_update(rows, fields)
        return
    qn = connection.ops.quote_name
    pk = model._meta.pk
    columns = [model._meta.get_field(name) for name in fields]
    # Typed placeholders: VALUES has no column types of its own.
    casts = [f"%s::{field.db_type(connection)}" for field in [pk, *columns]]
    values = ", ".join(f"({', '.join(casts)})" for _row in rows)
    params = [
        field.get_db_prep_save(getattr(row, field.attname), connection) for row in rows for field in [pk, *columns]
    ]
    names = ", ".join(qn(field.column) for field in [pk, *columns])
    sets = ", ".join(f"{qn(field.column)} = v.{qn(field.column)}" for field in columns)
    table = qn(model._meta.db_table)
    sql = (
        f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v ({names}) "  # noqa: S608 - names from the model
        f"WHERE {table}.{qn(pk.column)} = v.{qn(pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rows_locked(
    model: type[models.Model], *, field: str, keys: Iterable, create: Callable[[list], list[models.Model]]
) -> dict:
    """Lock the rows whose ``field`` is one of ``keys``, in key order (two writers locking
    overlapping sets never deadlock), and return them by key. Keys without a row get the
    rows ``create(missing_keys)`` returns (it may leave some out, e.g. deleted accounts),
    inserted ignoring any created meanwhile, then locked too: one statement when every row
    exists, as on every batch but a member's first."""
    keys = sorted(set(keys))
    attname = model._meta.get_field(field).attname
    # By the column itself: ordering or filtering by the relation would join its table
    # (the user's row), and FOR UPDATE would lock that row too.
    locked = model.objects.select_for_update(of=("self",)).order_by(attname)
    rows = {getattr(row, attname): row for row in locked.filter(**{f"{attname}__in": keys})}
    missing = [key for key in keys if key not in rows]
    if missing:
        new = create(missing)
        if new:
            model.objects.bulk_create(new, ignore_conflicts=True)
            rows.update((getattr(row, attname), row) for row in locked.filter(**{f"{attname}__in": missing}))
    return rows
