"""The shipped translations: every msgid translated and none fuzzy, and the committed .mo files
(what Django reads) say what the .po files say (`manage.py messages_compile` makes them)."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

from libchat.management.commands.messages_compile import catalogues

SHIPPED = [code for code, _name in settings.LANGUAGES if code != "en"]


def _entries(catalogue: polib._BaseFile) -> dict:
    return {
        (entry.msgctxt, entry.msgid): (
            tuple(entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural))
            if entry.msgid_plural
            else entry.msgstr
        )
        for entry in catalogue
        if not entry.obsolete
    }


def test_every_shipped_language_has_the_widget_and_its_scripts_catalogues():
    found = {(po.parent.parent.name, po.stem) for po in catalogues()}
    assert found == {(code, domain) for code in SHIPPED for domain in ("django", "djangojs")}


@pytest.mark.parametrize(
    "po_path", catalogues(), ids=lambda path: str(path.relative_to(settings.BASE_DIR))
)
def test_a_catalogue_is_complete_and_its_mo_file_agrees(po_path: Path):
    po = polib.pofile(str(po_path))
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    plurals = int(po.metadata["Plural-Forms"].split("nplurals=")[1].split(";")[0])
    for entry in po:
        if entry.msgid_plural:
            assert len(entry.msgstr_plural) == plurals, entry.msgid
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"run manage.py messages_compile: {mo_path.name} is missing"
    assert _entries(polib.mofile(str(mo_path))) == _entries(po), (
        "the .mo file differs from the .po file: run manage.py messages_compile"
    )
