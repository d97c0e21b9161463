"""Site-wide settings edited under "LibChat Set-up" in the admin.

The singleton lives in the core, not in a feature app: it is the one "Settings" page of the whole
site, so other apps (widgets, chats) add their knobs here instead of each growing a settings
singleton of its own, and the admin shows it under "LibChat Set-up" as users know it. Its app is
`libchat` (Django finds it through `libchat/models.py`).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

ANONYMISE_AFTER_DELETE = (
    "Anonymising must come before deletion: set this to at most the number of days after which "
    "patron chats are deleted, or to 0."
)


class SiteSettings(models.Model):
    singleton = models.BooleanField(default=True, editable=False, unique=True)
    scrub_internal_days = models.PositiveIntegerField(
        "Scrub Internal Chat Messages",
        default=0,
        help_text="Delete internal chat messages and their files older than this many days. "
        "0 keeps them forever.",
    )
    delete_patron_chats_days = models.PositiveIntegerField(
        "Delete patron chats after",
        default=0,
        help_text="Days after a patron chat ended (or an offline ticket was left) when it is "
        "deleted with its messages and files. 0 keeps them forever.",
    )
    anonymise_patron_chats_days = models.PositiveIntegerField(
        "Remove patron name, email and page after",
        default=0,
        help_text="Days after a patron chat ended (or an offline ticket was left) when the "
        "patron's details and the conversation are removed; its times, widget, department, "
        "operators, rating and tags stay for the reports. 0 keeps them.",
    )
    library_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="How canned replies name the library ({library_name}); "
        'left blank, they say "the library".',
    )

    class Meta:
        verbose_name = "Settings"
        verbose_name_plural = "Settings"
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="settings_singleton"),
            models.CheckConstraint(
                condition=Q(anonymise_patron_chats_days=0)
                | Q(delete_patron_chats_days=0)
                | Q(anonymise_patron_chats_days__lte=F("delete_patron_chats_days")),
                name="settings_anonymise_before_delete",
                violation_error_message=ANONYMISE_AFTER_DELETE,
            ),
        ]

    def __str__(self) -> str:
        return "Settings"

    def clean(self) -> None:
        # The constraint's words, but on the field the admin changes.
        anonymise, delete = self.anonymise_patron_chats_days, self.delete_patron_chats_days
        if anonymise and delete and anonymise > delete:
            raise ValidationError({"anonymise_patron_chats_days": ANONYMISE_AFTER_DELETE})

    @classmethod
    def load(cls) -> "SiteSettings":
        settings, _ = cls.objects.get_or_create(singleton=True)
        return settings


class StoredFile(models.Model):
    """What a sent file keeps besides the file itself (stored under a random name): its
    original name, size and the type read from its bytes (`libchat.core.uploads.file_check`)."""

    original_name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=120)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
