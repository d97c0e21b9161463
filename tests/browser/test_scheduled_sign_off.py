"""A desk's scheduled sign-off as the operator sees it: the warning, then "signed out"."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from playwright.sync_api import expect

from chats.services import sign_offs_run
from departments.models import SignOffTime
from tests.browser.desks import reference_widget
from tests.browser.pages import outside_the_loop, sign_in
from tests.factories import OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_warns_a_minute_before_the_desk_closes_then_says_signed_out(page, log_in):
    operator = OperatorFactory()
    widget = outside_the_loop(reference_widget, operator)
    SignOffTime.objects.create(department=widget.first_department, weekday=2, time=time(21))
    zone = ZoneInfo(settings.TIME_ZONE)  # the job reads the library's time zone
    log_in(page, operator)
    sign_in(page)

    # The beat job's runs, with their clock: a minute before, then at the time (a Wednesday).
    outside_the_loop(sign_offs_run, now=datetime(2030, 1, 2, 20, 59, tzinfo=zone))
    warning = page.get_by_role("alert").filter(has_text="Reference closes at 21:00")
    expect(warning).to_have_text("Reference closes at 21:00: you will be signed out in one minute.")

    outside_the_loop(sign_offs_run, now=datetime(2030, 1, 2, 21, tzinfo=zone))
    expect(page.locator("#banner-text")).to_have_text(
        "You were signed out of LibChat at the desk's closing time (Reference, 21:00)."
    )
    expect(warning).to_be_hidden()
    expect(page.locator("#my-dot")).to_have_attribute("data-status", "offline")
    expect(page.locator("#libchat-me")).to_contain_text("You are offline: Sign In")
