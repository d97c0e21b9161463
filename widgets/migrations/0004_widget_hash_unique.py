from django.db import migrations, models

import widgets.models


class Migration(migrations.Migration):
    dependencies = [
        ("widgets", "0003_widget_hash_fill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="widget",
            name="hash",
            field=models.CharField(
                default=widgets.models.widget_hash_new,
                editable=False,
                help_text="Names the widget in load_chat.php and chati.php URLs.",
                max_length=32,
                unique=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="widget",
            constraint=models.CheckConstraint(
                condition=models.Q(("hash__regex", "^[0-9a-f]{32}$")), name="widget_hash_hex"
            ),
        ),
    ]
