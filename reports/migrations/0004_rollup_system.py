"""The roll-up keyed by library system too: a widget's rows take its widget's system, and the
rows of every widget are added once for each system, summed from its widgets' rows (what rolling
the day again would write), so days that retention has since emptied keep their figures."""

from django.db import migrations, models

# The period field of each summed model.
PERIODS = {"ReportDay": "day", "ReportWeek": "monday", "ReportMonth": "first"}
SCOPE = ("operator_id", "tag_id", "system_id")


def _add(into: dict, row: dict, keys: tuple) -> None:
    """Sum a row's counts into another (its keys set by the first): numbers, lists of counts
    element by element, objects of counts key by key."""
    for name, value in row.items():
        if name in keys or value is None:
            into.setdefault(name, value)
        elif isinstance(value, list):
            into[name] = [
                a + b for a, b in zip(into.get(name) or [0] * len(value), value, strict=False)
            ]
        elif isinstance(value, dict):
            sums = into.setdefault(name, {})
            for key, count in value.items():
                sums[key] = sums.get(key, 0) + count
        else:
            into[name] = into.get(name, 0) + value


def rows_per_system(apps, schema_editor):
    systems = dict(apps.get_model("widgets", "Widget").objects.values_list("pk", "system_id"))
    for model_name, period in PERIODS.items():
        model = apps.get_model("reports", model_name)
        for widget_id, system_id in systems.items():
            model.objects.filter(widget_id=widget_id).update(system_id=system_id)
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in ("id", "widget_id", "department_id")
        ]
        widget_rows = (
            model.objects.filter(widget_id__isnull=False, system_id__isnull=False)
            .order_by(period)
            .values(*fields)
        )
        sums: dict[tuple, dict] = {}
        current = None
        for row in widget_rows.iterator(chunk_size=2000):
            if row[period] != current:
                model.objects.bulk_create([model(**r) for r in sums.values()], batch_size=1000)
                sums, current = {}, row[period]
            key = tuple(row[name] for name in SCOPE)
            _add(sums.setdefault(key, {}), row, (period, *SCOPE))
        model.objects.bulk_create([model(**r) for r in sums.values()], batch_size=1000)


def rows_per_system_remove(apps, schema_editor):
    for model_name in PERIODS:
        model = apps.get_model("reports", model_name)
        model.objects.filter(widget_id__isnull=True, system_id__isnull=False).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_monthly_rollup"),
        ("widgets", "0011_widget_system"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportday",
            name="system_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="reportmonth",
            name="system_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="reportweek",
            name="system_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunPython(rows_per_system, rows_per_system_remove),
    ]
