import django.core.validators
from django.db import migrations, models

import widgets.models


class Migration(migrations.Migration):
    """Adds the hash nullable first: a callable default in AddField is called once, so every
    existing widget would get the same value. 0003 fills it, 0004 makes it required and unique."""

    dependencies = [
        ("widgets", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="widget",
            name="hash",
            field=models.CharField(max_length=32, null=True, editable=False),
        ),
        migrations.AddField(
            model_name="widget",
            name="libchat_hash",
            field=models.CharField(
                blank=True,
                error_messages={"unique": "Another widget has this LibChat hash already."},
                help_text="The hash of the Springshare LibChat widget this one replaces, as in "
                "load_chat.php?hash=... and div#libchat_....",
                max_length=32,
                null=True,
                unique=True,
                validators=[widgets.models.libchat_hash_validator],
                verbose_name="LibChat hash",
            ),
        ),
        migrations.AddField(
            model_name="widget",
            name="libchat_id",
            field=models.IntegerField(
                blank=True,
                error_messages={"unique": "Another widget has this LibChat widget id already."},
                help_text="The id of the Springshare LibChat widget this one replaces, as in "
                "/1.0/chat/widgets/status/9616, so the library's pages keep working.",
                null=True,
                unique=True,
                validators=[
                    django.core.validators.MinValueValidator(
                        1, "A LibChat widget id is a positive whole number, like 9616."
                    )
                ],
                verbose_name="LibChat widget id",
            ),
        ),
        migrations.AddConstraint(
            model_name="widget",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("libchat_id__isnull", True), ("libchat_id__gte", 1), _connector="OR"
                ),
                name="widget_libchat_id_positive",
            ),
        ),
        migrations.AddConstraint(
            model_name="widget",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("libchat_hash__isnull", True),
                    ("libchat_hash__regex", "^[0-9a-f]{32}$"),
                    _connector="OR",
                ),
                name="widget_libchat_hash_hex",
            ),
        ),
    ]
