"""Compile the translations (locale/*/LC_MESSAGES/*.po) into the .mo files Django reads, with
polib, so no GNU gettext is needed. The .mo files are committed; run this after editing a .po
(tests/libchat/test_translations.py fails while they disagree)."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def catalogues() -> list[Path]:
    """Every .po file LibChat ships."""
    return sorted(
        po for locale in settings.LOCALE_PATHS for po in Path(locale).glob("*/LC_MESSAGES/*.po")
    )


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files (pure Python, no GNU gettext)."

    def handle(self, *args, **options):
        for po_path in catalogues():
            mo_path = po_path.with_suffix(".mo")
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            self.stdout.write(f"{mo_path.relative_to(settings.BASE_DIR)}")
