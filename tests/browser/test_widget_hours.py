"""A patron with the widget open sees it say Away in the library's words, and, outside its opening
hours, when chat opens again, without a reload."""

import re
import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.desks import library_desk
from tests.browser.pages import outside_the_loop
from tests.browser.test_console import _operator
from tests.browser.test_every_page_and_state import PolicyWatch
from tests.browser.test_patron_chats import _status_set
from widgets import selectors
from widgets.models import Widget, WidgetOpeningSpan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZONE = "America/New_York"


def test_the_widget_shows_the_away_text_then_when_chat_opens_again(
    browser, log_in, live_server_daphne, sites
):
    library = sites()
    alice, widget = library_desk(
        library,
        away_message="We'll be right back",
        away_behaviour=Widget.Away.QUEUE,
        time_zone=ZONE,
    )
    alices = _operator(browser, log_in, alice)
    # Each state is also checked for what `test_every_page_and_state` asks of every page: no
    # refusal by the content security policy, no accessibility rule broken.
    watch = PolicyWatch(browser, live_server_daphne.url)
    patron = watch.context().new_page()
    patron.goto(
        library.page(
            "index.html",
            selectors.widget_embed_snippet(widget=widget, base_url=live_server_daphne.url),
        )
    )
    button = patron.get_by_role("button", name=re.compile("^Ask a Librarian: Online"))
    button.click()
    chat = patron.frame_locator('iframe[title="Ask a Librarian"]')
    away = chat.get_by_text("We'll be right back")
    expect(chat.get_by_role("button", name="Start Chat")).to_be_visible()
    expect(away).to_be_hidden()

    # Alice steps away: the widget says so in its own words, and still takes chats.
    _status_set(alices, "Away")
    expect(away).to_be_visible()
    expect(chat.locator("#widget-status-text")).to_have_text("Away")
    expect(chat.get_by_role("button", name="Start Chat")).to_be_visible()
    watch.clean(patron, "widget open, all Away, taking chats")

    # The library opens the chat only tomorrow (its clock, New York), 9 to 5: closed now.
    tomorrow = datetime.now(zoneinfo.ZoneInfo(ZONE)).date() + timedelta(days=1)
    outside_the_loop(
        WidgetOpeningSpan.objects.create,
        widget=widget,
        weekday=tomorrow.weekday(),
        opens_at=time(9),
        closes_at=time(17),
    )
    expect(chat.get_by_text(f"Chat opens again {tomorrow:%A} at 9:00 AM")).to_be_visible()
    expect(chat.locator("#offline-message")).to_be_visible()
    expect(away).to_be_hidden()
    expect(chat.get_by_role("button", name="Start Chat")).to_be_hidden()
    watch.clean(patron, "widget outside its hours")
    watch.accessible()


FRENCH_WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def test_the_next_opening_is_said_in_the_widgets_language_on_the_librarys_clock(
    browser, live_server_daphne, sites
):
    _, widget = library_desk(sites(), language="fr", time_zone="Europe/Paris")
    tomorrow = datetime.now(zoneinfo.ZoneInfo("Europe/Paris")).date() + timedelta(days=1)
    outside_the_loop(
        WidgetOpeningSpan.objects.create,
        widget=widget,
        weekday=tomorrow.weekday(),
        opens_at=time(9, 30),
        closes_at=time(12),
    )
    # A patron whose own clock is on another continent still reads the library's time.
    patron = browser.new_context(timezone_id="America/Los_Angeles").new_page()
    patron.goto(f"{live_server_daphne.url}/widget/{widget.pk}/")
    weekday = FRENCH_WEEKDAYS[tomorrow.weekday()]
    expect(patron.get_by_text(f"Le chat rouvre {weekday} à 9:30")).to_be_visible()
    expect(patron.locator("#widget-status-text")).to_have_text("Hors ligne")
