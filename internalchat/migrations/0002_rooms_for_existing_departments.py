from django.db import migrations


def rooms_create(apps, schema_editor):
    Room = apps.get_model("internalchat", "Room")
    Department = apps.get_model("departments", "Department")
    Room.objects.get_or_create(kind="all_staff")
    for department in Department.objects.filter(internal_room__isnull=True):
        Room.objects.create(kind="department", department=department)


class Migration(migrations.Migration):
    dependencies = [("internalchat", "0001_initial"), ("departments", "0001_initial")]

    operations = [migrations.RunPython(rooms_create, migrations.RunPython.noop)]
