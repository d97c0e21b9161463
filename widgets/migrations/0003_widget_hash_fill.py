from django.db import migrations

from widgets.models import widget_hash_new


def hashes_fill(apps, schema_editor):
    """Give every existing widget its own hash."""
    Widget = apps.get_model("widgets", "Widget")
    for widget in Widget.objects.filter(hash__isnull=True).only("pk"):
        widget.hash = widget_hash_new()
        widget.save(update_fields=["hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("widgets", "0002_widget_hash_and_libchat_names"),
    ]

    operations = [
        migrations.RunPython(hashes_fill, migrations.RunPython.noop),
    ]
