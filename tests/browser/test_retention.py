"""An admin sets patron chat retention on the Settings page: sees what the next run would do,
confirms, and is refused when anonymising would come after deleting; both pages break no
accessibility rule."""

import secrets
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chats.models import PatronChat
from libchat.core.models import SiteSettings
from tests.browser.axe import axe_violations
from tests.browser.pages import outside_the_loop
from tests.factories import OperatorFactory, WidgetFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def old_chats() -> None:
    """Chats that ended 100, 40 and 5 days ago."""
    widget = WidgetFactory()
    now = timezone.now()
    for days in (100, 40, 5):
        PatronChat.objects.create(
            widget=widget,
            token_hash=secrets.token_hex(32),
            name="Ada",
            question="My thesis?",
            state=PatronChat.State.ENDED,
            queued_at=now,
            ended_at=now - timedelta(days=days),
        )


def test_an_admin_sets_retention_sees_what_it_would_do_and_saves(
    browser, live_server_daphne, log_in
):
    outside_the_loop(old_chats)
    admin = outside_the_loop(
        OperatorFactory, display_name="Ada Admin", is_staff=True, is_superuser=True
    )
    page = log_in(browser.new_context().new_page(), admin)
    page.goto(f"{live_server_daphne.url}/admin/libchat/sitesettings/")
    delete = page.get_by_label("Delete patron chats after")
    anonymise = page.get_by_label("Remove patron name, email and page after")
    expect(page.get_by_text("None yet: the job runs daily.")).to_be_visible()

    delete.fill("30")
    anonymise.fill("60")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Anonymising must come before deletion")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("Delete patron chats after").fill("60")
    page.get_by_label("Remove patron name, email and page after").fill("30")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Confirm the new settings")).to_be_visible()
    expect(page.locator("#retention-chats-deleted")).to_have_text("1 chat")
    expect(page.locator("#retention-chats-anonymised")).to_have_text("1 chat")
    assert axe_violations(page) == []
    settings = outside_the_loop(SiteSettings.load)
    assert settings.delete_patron_chats_days == 0  # nothing saved before the confirmation

    page.get_by_role("button", name="Yes, save").click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    settings = outside_the_loop(SiteSettings.load)
    assert (settings.delete_patron_chats_days, settings.anonymise_patron_chats_days) == (60, 30)
