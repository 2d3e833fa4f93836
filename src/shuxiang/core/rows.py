"""One-row reads and writes for the desk's scan path.

Compiling an ORM query (or `Model.save()`'s INSERT) costs more than SQLite takes to
answer it. Here a read is plain SQL whose row becomes a model instance through the same
converters the ORM runs, and a write is a statement made once per model, with values
prepared exactly as the ORM prepares them (`pre_save`, `get_db_prep_save`). No model
signals are sent: the models written here have none.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, models, router
from django.db.models.base import DEFERRED

_STATEMENTS: dict[tuple[type[models.Model], str], tuple[str, list[models.Field]]] = {}
_UPDATES: dict[tuple[type[models.Model], str, tuple[str, ...]], tuple[str, list]] = {}
# How one query's columns become a model: for each concrete field, the column it comes
# from and the converters the ORM would run (dates and booleans on SQLite, JSON); other
# columns are set as plain attributes. Made once per (model, database, columns).
_PLANS: dict[tuple[type[models.Model], str, tuple[str, ...]], tuple[list, list]] = {}


def _plan(model: type[models.Model], alias: str, names: tuple[str, ...]) -> tuple[list, list]:
    key = (model, alias, names)
    if key not in _PLANS:
        connection = connections[alias]
        where = {name: i for i, name in enumerate(names)}
        table = model._meta.db_table
        fields = []
        for f in model._meta.concrete_fields:
            col = f.get_col(table)
            converters = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
            fields.append((where.get(f.column), col, converters))
        columns = {f.column for f in model._meta.concrete_fields}
        extras = [(i, name) for i, name in enumerate(names) if name not in columns]
        _PLANS[key] = (fields, extras)
    return _PLANS[key]


def first(model: type[models.Model], sql: str, params: list[Any]) -> Any:
    """The first row of `sql` as a model instance (None if there is none), like
    `model.objects.raw(sql)[0]` without the raw query set's per-query set-up. Columns
    that are not the model's fields become plain attributes."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        names = tuple(d[0] for d in cursor.description)
    fields, extras = _plan(model, alias, names)
    values = []
    for index, col, converters in fields:
        if index is None:
            values.append(DEFERRED)
            continue
        value = row[index]
        for convert in converters:
            value = convert(value, col, connection)
        values.append(value)
    obj = model.from_db(alias, None, values)
    for index, name in extras:
        setattr(obj, name, row[index])
    return obj


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
