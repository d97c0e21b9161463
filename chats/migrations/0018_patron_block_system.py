import django.db.models.deletion
from django.conf import settings
from django.db import migrations

import systems.models


def into_their_systems(apps, schema_editor):
    """A block belongs to the system of the widget its chat came through; one whose chat is gone
    to the default system (the only one there was)."""
    System = apps.get_model("systems", "System")
    PatronBlock = apps.get_model("chats", "PatronBlock")
    default, _ = System.objects.get_or_create(
        slug="library", defaults={"name": getattr(settings, "LIBCHAT_SYSTEM_NAME", "") or "Library"}
    )
    for block in PatronBlock.objects.filter(system__isnull=True).select_related("chat__widget"):
        block.system_id = block.chat.widget.system_id if block.chat_id else default.pk
        block.save(update_fields=["system"])
    if schema_editor.connection.vendor == "postgresql":
        # Check the new references now: PostgreSQL refuses the ALTER TABLE that follows while
        # deferred checks of these rows are pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("chats", "0017_system_line_kinds"),
        ("systems", "0002_default_system"),
        ("widgets", "0011_widget_system"),
    ]

    operations = [
        migrations.AddField(
            model_name="patronblock",
            name="system",
            field=systems.models.SystemField(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="patron_blocks",
                to="systems.system",
                verbose_name="library system",
            ),
        ),
        migrations.RunPython(into_their_systems, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="patronblock",
            name="system",
            field=systems.models.SystemField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="patron_blocks",
                to="systems.system",
                verbose_name="library system",
            ),
        ),
    ]
