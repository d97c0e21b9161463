"""Widgets that existed before hashes each get their own when the migration runs."""

import re

import pytest

from tests.migrating import migrate

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("back_to_latest")]

BEFORE = [("widgets", "0001_initial")]
AFTER = [("widgets", "0004_widget_hash_unique")]


def test_existing_widgets_get_distinct_hashes():
    old_apps = migrate(BEFORE)
    Department = old_apps.get_model("departments", "Department")
    OldWidget = old_apps.get_model("widgets", "Widget")
    department = Department.objects.create(name="Reference")
    for name in ["Main site", "Branch", "Catalogue"]:
        OldWidget.objects.create(
            name=name, allowed_origins="https://www.library.example", first_department=department
        )

    Widget = migrate(AFTER).get_model("widgets", "Widget")
    hashes = list(Widget.objects.values_list("hash", flat=True))
    assert len(set(hashes)) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in hashes)
    assert set(Widget.objects.values_list("libchat_id", "libchat_hash")) == {(None, None)}
