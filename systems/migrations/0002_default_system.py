from django.conf import settings
from django.db import migrations


def default_system_create(apps, schema_editor):
    """The one system everything existing belongs to (systems.selectors.default_system)."""
    System = apps.get_model("systems", "System")
    System.objects.get_or_create(
        slug="library",
        defaults={
            "name": getattr(settings, "LIBCHAT_SYSTEM_NAME", "") or "Library",
            "time_zone": settings.TIME_ZONE,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("systems", "0001_initial")]

    operations = [migrations.RunPython(default_system_create, migrations.RunPython.noop)]
