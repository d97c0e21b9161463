"""The SQL the figures are made of: seconds between two times, percentiles computed in the
database (PostgreSQL's PERCENTILE_CONT; on SQLite an aggregate of the same definition registered
on every connection), so no figure loops over chats in Python; and the roll-up's rows summed in
PostgreSQL, histograms included."""

import json
import math

from django.db import connection as default_connection
from django.db.backends.signals import connection_created
from django.db.models import Aggregate, FloatField, Func
from django.dispatch import receiver


class Seconds(Func):
    """`end - start` in seconds, as a float (NULL when either is NULL)."""

    output_field = FloatField()
    arity = 2

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))", arg_joiner=" - "
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django's own exact difference in microseconds (julianday would round to ~10 µs).
        return self.as_sql(
            compiler,
            connection,
            template="(django_timestamp_diff(%(expressions)s) / 1000000.0)",
            arg_joiner=", ",
        )


class Percentile(Aggregate):
    """The continuous percentile (linear interpolation, as PERCENTILE_CONT) of an expression."""

    name = "Percentile"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        self.fraction = fraction
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template=f"PERCENTILE_CONT({self.fraction!r}) WITHIN GROUP (ORDER BY %(expressions)s)",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template=f"libchat_percentile(%(expressions)s, {self.fraction!r})",
            **extra,
        )


class _PercentileCont:
    """PERCENTILE_CONT for SQLite: the values of a group, sorted, interpolated at the fraction."""

    def __init__(self):
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction):
        self.fraction = fraction
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return percentile_cont(self.values, self.fraction)


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """The definition PostgreSQL uses: position fraction × (n − 1) in the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@receiver(connection_created)
def _sqlite_percentile(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("libchat_percentile", 2, _PercentileCont)


def rows_summed(
    rows, *, keys: tuple[str, ...], counts: tuple[str, ...], objects: tuple[str, ...] = (),
    lists: tuple[str, ...] = (),
) -> list[dict]:  # fmt: skip
    """The rows of a `.values()` query (a union included) summed by `keys` in the database:
    `counts` with SUM, JSON objects of counts ({"bin": n}) key by key, JSON lists of counts
    element by element; one dict a group, with the keys' values. A year's operator rows are
    2,600 rows of two histograms each, which Python took half a second to decode and add up.
    PostgreSQL only: elsewhere the rows come back as they are, for the caller to add up."""
    if default_connection.vendor != "postgresql":
        return list(rows)
    sql, params = rows.query.sql_with_params()
    qn = default_connection.ops.quote_name
    k = ", ".join(qn(c) for c in keys)
    parts = [f"r AS MATERIALIZED ({sql})"]
    sums = ", ".join(f"SUM({qn(c)}) AS {qn(c)}" for c in counts)
    parts.append(f"c AS (SELECT {k}, {sums} FROM r GROUP BY {k})")
    joined = []
    for n, name in enumerate(objects):
        parts.append(
            f"o{n} AS (SELECT {k}, jsonb_object_agg(bin, n) AS v FROM (SELECT {k}, e.key AS bin, "
            f"SUM(e.value::bigint) AS n FROM r CROSS JOIN LATERAL jsonb_each_text(r.{qn(name)}) e "
            f"GROUP BY {k}, e.key) x GROUP BY {k})"
        )
        joined.append((f"o{n}", name))
    for n, name in enumerate(lists):
        parts.append(
            f"l{n} AS (SELECT {k}, jsonb_agg(n ORDER BY i) AS v FROM (SELECT {k}, a.i, "
            f"SUM(a.v::bigint) AS n FROM r CROSS JOIN LATERAL "
            f"jsonb_array_elements_text(r.{qn(name)}) WITH ORDINALITY a(v, i) "
            f"GROUP BY {k}, a.i) x GROUP BY {k})"
        )
        joined.append((f"l{n}", name))
    columns = ", ".join(
        [*(f"c.{qn(c)}" for c in (*keys, *counts)), *(f"{t}.v AS {qn(f)}" for t, f in joined)]
    )
    joins = " ".join(
        f"LEFT JOIN {t} ON "
        + " AND ".join(f"{t}.{qn(c)} IS NOT DISTINCT FROM c.{qn(c)}" for c in keys)
        for t, _ in joined
    )
    query = f"WITH {', '.join(parts)} SELECT {columns} FROM c {joins}"
    with default_connection.cursor() as cursor:
        cursor.execute(query, params)
        names = [column.name for column in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in found:
        for _, name in joined:
            value = row[name]
            if value is None:  # no row of the group had any: the caller's default stands
                del row[name]
            elif isinstance(value, str):  # Django reads jsonb as text, for JSONField to decode
                row[name] = json.loads(value)
    return found
