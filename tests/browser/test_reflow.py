"""Every staff page, the admin pages LibChat adds and the widget, read on a small phone, in a
window zoomed to 200 % and with the text alone made twice as large (WCAG 1.4.10 Reflow and
1.4.4 Resize Text): nothing scrolls sideways, and each page's main control is still on it. And
the same pages with the keyboard: no control the Tab key reaches is hidden under a header or
anything else (2.4.11 Focus Not Obscured)."""

import pytest
from playwright.sync_api import expect

from chats import services
from tests.browser.pages import outside_the_loop
from tests.factories import OperatorFactory
from tests.reports.dataset import week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# 320 x 640 CSS px: a small phone, or a 1280 px window at 400 %. 640 x 360 at a device scale
# of 2: a 1280 x 720 window zoomed to 200 %. And a 1280 px window whose text alone is doubled.
SMALL_PHONE = {"viewport": {"width": 320, "height": 640}}
ZOOM_200 = {"viewport": {"width": 640, "height": 360}, "device_scale_factor": 2}
TEXT_200 = {"viewport": {"width": 1280, "height": 720}}
DOUBLE_TEXT = "document.documentElement.style.fontSize = '200%'"


def _sideways(page) -> int:
    return page.evaluate(
        "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )


@pytest.fixture
def desk():
    def create():
        data = week()
        admin = OperatorFactory(display_name="Ada Admin", is_staff=True, is_superuser=True)
        ticket = services.ticket_create(
            widget=data.reference_widget,
            name="Bea",
            email="bea@example.org",
            question="Can I renew an interlibrary loan by phone, and for how long?",
        )
        return data, admin, ticket

    return outside_the_loop(create)


def _pages(data, ticket):
    """Each page, and what a person must still be able to reach on it."""
    widget = data.reference_widget
    return [
        ("/dashboard/", lambda p: p.get_by_role("navigation", name="Dashboard")),
        ("/dashboard/settings/", lambda p: p.get_by_role("heading", name="Settings")),
        ("/dashboard/settings/canned/", lambda p: p.get_by_role("heading", level=1)),
        ("/dashboard/transcripts/", lambda p: p.get_by_role("table")),
        (f"/dashboard/transcripts/{data.a.pk}/", lambda p: p.get_by_role("heading", level=1)),
        ("/dashboard/tickets/", lambda p: p.get_by_role("link", name="Can I renew")),
        (f"/dashboard/tickets/{ticket.pk}/", lambda p: p.get_by_role("button", name="Send Answer")),
        (
            "/dashboard/reports/?from=2026-01-05&to=2026-01-11&grain=day",
            lambda p: p.locator("#report-status").get_by_text("2026-01-05"),
        ),
        ("/admin/", lambda p: p.locator("#content")),
        ("/admin/widgets/widget/", lambda p: p.get_by_role("link", name=widget.name)),
        (f"/admin/widgets/widget/{widget.pk}/change/", lambda p: p.get_by_text("Current status")),
        ("/admin/libchat/sitesettings/", lambda p: p.locator("#content")),
        ("/admin/canned/cannedreply/add/", lambda p: p.get_by_role("button", name="Save")),
        (f"/widget/{widget.pk}/", lambda p: p.get_by_role("button", name="Send Question")),
    ]


@pytest.mark.parametrize(
    "screen, init",
    [(SMALL_PHONE, ""), (ZOOM_200, ""), (TEXT_200, DOUBLE_TEXT)],
    ids=["320px", "zoom-200", "text-200"],
)
def test_no_page_scrolls_sideways_on_a_phone_zoomed_or_with_large_text(
    browser, log_in, live_server_daphne, desk, screen, init
):
    data, admin, ticket = desk
    context = browser.new_context(**screen)
    page = log_in(context.new_page(), admin)
    wide = []
    for path, sees in _pages(data, ticket):
        page.goto(live_server_daphne.url + path)
        if init:
            size = "() => parseFloat(getComputedStyle(document.body).fontSize)"
            before = page.evaluate(size)
            page.evaluate(DOUBLE_TEXT)
            assert page.evaluate(size) >= 1.9 * before, path  # the page's text did grow
        expect(sees(page).first).to_be_visible()
        if _sideways(page) > 0:
            wide.append(f"{path}: {_sideways(page)} px")
    assert not wide, "scrolls sideways: " + "; ".join(wide)


# Where the focused element is, and whether any of five points of it (its centre and its
# corners, a pixel in) is the topmost thing there: WCAG 2.4.11 wants it not wholly covered.
FOCUS_SEEN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect();
  const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " +
    (el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 40);
  if (r.width === 0 && r.height === 0) return {name, seen: true};  // nothing to cover
  const points = [[r.left + r.width / 2, r.top + r.height / 2], [r.left + 1, r.top + 1],
    [r.right - 1, r.top + 1], [r.left + 1, r.bottom - 1], [r.right - 1, r.bottom - 1]];
  const seen = points.some(([x, y]) => {
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return false;
    const top = document.elementFromPoint(x, y);
    return top !== null && (top === el || el.contains(top) || top.contains(el));
  });
  return {name, seen};
}"""


@pytest.mark.parametrize("screen", [TEXT_200, SMALL_PHONE], ids=["1280px", "320px"])
def test_the_focused_control_is_never_hidden_under_the_header_or_anything_else(
    browser, log_in, live_server_daphne, desk, screen
):
    data, admin, ticket = desk
    page = log_in(browser.new_context(**screen).new_page(), admin)
    hidden = []
    for path, sees in _pages(data, ticket):
        page.goto(live_server_daphne.url + path)
        expect(sees(page).first).to_be_visible()
        names = set()
        for _ in range(60):  # Tab through the page, as far as its first 60 stops
            page.keyboard.press("Tab")
            focus = page.evaluate(FOCUS_SEEN)
            if focus is None or focus["name"] in names:
                continue
            names.add(focus["name"])
            if not focus["seen"]:
                hidden.append(f"{path}: {focus['name']}")
        assert len(names) > 3, f"{path}: Tab reached only {sorted(names)}"
    assert not hidden, "focused but covered: " + "; ".join(hidden)
