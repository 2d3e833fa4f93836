"""One-row writes for the desk's scan path.

`Model.save()` compiles its INSERT anew on every call, which costs more than SQLite
takes to store the row. Here the statement is made once per model and run with the
values prepared exactly as the ORM prepares them (`pre_save`, `get_db_prep_save`).
No model signals are sent: the models written here have none.
"""

from __future__ import annotations

from django.db import connections, models, router

_STATEMENTS: dict[tuple[type[models.Model], str], tuple[str, list[models.Field]]] = {}
_UPDATES: dict[tuple[type[models.Model], str, tuple[str, ...]], tuple[str, list]] = {}


def _statement(model: type[models.Model], alias: str) -> tuple[str, list[models.Field]]:
    key = (model, alias)
    if key not in _STATEMENTS:
        connection = connections[alias]
        quote = connection.ops.quote_name
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        columns = ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) "
            f"RETURNING {quote(meta.pk.column)}"
        )
        _STATEMENTS[key] = (sql, fields)
    return _STATEMENTS[key]


def insert(obj: models.Model) -> None:
    """Insert a new instance (its primary key left to the database) and set its pk."""
    model = type(obj)
    alias = router.db_for_write(model)
    connection = connections[alias]
    if obj.pk is not None or not connection.features.can_return_columns_from_insert:
        obj.save(force_insert=True, using=alias)
        return
    sql, fields = _statement(model, alias)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = alias


def update(obj: models.Model, names: tuple[str, ...]) -> None:
    """Write these fields of a saved instance, like `obj.save(update_fields=names)`."""
    model = type(obj)
    alias = router.db_for_write(model)
    connection = connections[alias]
    key = (model, alias, names)
    if key not in _UPDATES:
        quote = connection.ops.quote_name
        meta = model._meta
        fields = [meta.get_field(name) for name in names]
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
        _UPDATES[key] = (sql, fields)
    sql, fields = _UPDATES[key]
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, obj.pk])
