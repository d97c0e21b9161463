"""A library's page on another origin embeds a widget; patrons see it follow the operators."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.pages import outside_the_loop, sign_in
from tests.factories import DepartmentFactory, MembershipFactory, OperatorFactory
from widgets import selectors, services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# In the chat iframe: record the target origin of each message to the embedding page.
POSTS_RECORDED = """if (window !== window.top) {
  const embedder = window.parent;
  window.__posted = [];
  window.parent = {
    postMessage(data, origin) {
      window.__posted.push([origin, data.online]);
      embedder.postMessage(data, origin);
    },
  };
}"""


@pytest.fixture
def make_widget(live_server_daphne, sites):
    """Make a widget monitored by Reference, then Circulation, embeddable on one new site."""

    def make(kind="floating", other_origins=()):
        library = sites()

        def create():
            reference, circulation = DepartmentFactory(), DepartmentFactory()
            alice = OperatorFactory(display_name="Alice")
            MembershipFactory(operator=alice, department=reference)
            widget = services.widget_create(
                name="Main site",
                kind=kind,
                allowed_origins=[*other_origins, library.url],
                first_choice=reference,
                fallbacks=[circulation],
                title="Ask a Librarian",
                online_greeting="Hi! A librarian is here.",
                offline_message="Nobody is here right now.",
            )
            return widget, alice

        # Memberships and widgets are announced after commit, not in Playwright's thread.
        widget, alice = outside_the_loop(create)
        snippet = selectors.widget_embed_snippet(widget=widget, base_url=live_server_daphne.url)
        return library, widget, alice, snippet

    return make


@pytest.fixture
def reference_widget(make_widget):
    return make_widget()


def test_embedded_widget_turns_online_and_offline_within_two_seconds(
    browser, log_in, reference_widget
):
    library, widget, alice, snippet = reference_widget
    patron = browser.new_context().new_page()
    patron.goto(library.page("index.html", snippet))
    embedded = patron.locator(f'[data-libchat-widget="{widget.pk}"]')
    expect(embedded).to_have_attribute("data-status", "offline")
    button = patron.get_by_role("button", name="Ask a Librarian: Offline")
    expect(button).to_be_visible()
    chat = patron.frame_locator('iframe[title="Ask a Librarian"]')
    expect(chat.locator("body")).to_have_attribute("data-socket", "open")

    operator = log_in(browser.new_context().new_page(), alice)
    sign_in(operator)
    expect(embedded).to_have_attribute("data-status", "online", timeout=2000)
    expect(patron.get_by_role("button", name="Ask a Librarian: Online")).to_be_visible()

    patron.get_by_role("button", name="Ask a Librarian: Online").click()
    expect(chat.get_by_text("Hi! A librarian is here.")).to_be_visible()
    expect(chat.get_by_label("Your question")).to_be_visible()
    expect(chat.get_by_label("Your name (optional)")).to_be_visible()

    operator.get_by_role("button", name=re.compile("Your status")).click()
    operator.get_by_role("menuitem", name="Sign out").click()
    operator.get_by_role("dialog", name="Sign out of LibChat?").get_by_role(
        "button", name="Sign out"
    ).click()
    expect(embedded).to_have_attribute("data-status", "offline", timeout=2000)
    expect(chat.get_by_text("Nobody is here right now.")).to_be_visible()
    expect(chat.get_by_label("Your question")).to_be_hidden()
    expect(patron.get_by_role("button", name="Ask a Librarian: Offline")).to_be_visible()


def test_the_chat_page_tells_only_the_page_that_embeds_it(browser, log_in, make_widget):
    # The library's other site comes first: posting to it from this page would fail, loudly
    # ("Failed to execute 'postMessage'" in the console, on every load).
    library, widget, alice, snippet = make_widget(other_origins=["http://localhost:1"])
    patron = browser.new_context().new_page()
    patron.add_init_script(POSTS_RECORDED)
    patron.goto(library.page("index.html", snippet))
    embedded = patron.locator(f'[data-libchat-widget="{widget.pk}"]')
    expect(embedded).to_have_attribute("data-status", "offline")
    operator = log_in(browser.new_context().new_page(), alice)
    operator.get_by_role("banner").get_by_role("button", name="Sign In").click()
    expect(embedded).to_have_attribute("data-status", "online", timeout=2000)
    chat = next(frame for frame in patron.frames if f"/widget/{widget.pk}/" in frame.url)
    # Offline on load, online once Alice signs in, each told once and only to the library's page.
    assert chat.evaluate("window.__posted") == [[library.url, False], [library.url, True]]


def test_the_chat_iframe_refuses_a_site_that_is_not_allowed(browser, reference_widget, sites):
    library, widget, _, snippet = reference_widget
    allowed = browser.new_context().new_page()
    allowed.goto(library.page("index.html", snippet))
    allowed.get_by_role("button", name="Ask a Librarian: Offline").click()
    heading = allowed.frame_locator("iframe").get_by_role("heading", name="Ask a Librarian")
    expect(heading).to_be_visible()

    other = sites()
    page = browser.new_context().new_page()
    with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refused:
        page.goto(other.page("index.html", snippet))
    assert library.url in refused.value.text
    page.get_by_role("button", name=re.compile("Ask a Librarian")).click()
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("heading", name="Ask a Librarian")).to_have_count(0)
    assert page.frames[1].url.startswith("chrome-error://")  # Chromium's "refused" page
    # The status is public (any page may poll it), so the button still learns it; the chat is
    # what the widget's allowed origins alone may frame.
    expect(page.locator(f'[data-libchat-widget="{widget.pk}"]')).to_have_attribute(
        "data-status", "offline"
    )


def test_the_dashboard_refuses_any_framing(browser, live_server_daphne, log_in, sites):
    operator = OperatorFactory()
    context = browser.new_context()
    log_in(context.new_page(), operator)
    site = sites()
    page = context.new_page()
    framing = f'<iframe title="dashboard" src="{live_server_daphne.url}/dashboard/"></iframe>'
    with page.expect_console_message(lambda m: "frame-ancestors 'none'" in m.text):
        page.goto(site.page("frame.html", framing))
    expect(page.frame_locator("iframe").locator("header.topbar")).to_have_count(0)


@pytest.mark.parametrize("kind", ["slide_out", "in_page", "pop_out"])
def test_each_widget_type_draws_its_own_control(page, make_widget, kind):
    library, widget, _, snippet = make_widget(kind)
    page.goto(library.page("index.html", snippet))
    embedded = page.locator(f'[data-libchat-widget="{widget.pk}"]')
    expect(embedded).to_have_attribute("data-status", "offline")
    heading = page.frame_locator("iframe").get_by_role("heading", name="Ask a Librarian")
    if kind == "slide_out":
        tab = page.get_by_role("button", name="Ask a Librarian: Offline")
        expect(tab).to_have_attribute("aria-expanded", "false")
        tab.click()
        expect(tab).to_have_attribute("aria-expanded", "true")
        expect(heading).to_be_visible()
        page.keyboard.press("Escape")
        expect(heading).to_be_hidden()
    elif kind == "in_page":
        expect(page.get_by_text("Ask a Librarian: Offline")).to_be_visible()
        expect(heading).to_be_visible()  # the chat sits in the page, no button to press
        expect(page.get_by_role("button", name=re.compile("Ask a Librarian"))).to_have_count(0)
    else:
        link = page.get_by_role("link", name="Ask a Librarian: Offline")
        with page.expect_popup() as popup:
            link.click()
        chat = popup.value
        expect(chat.get_by_role("heading", name="Ask a Librarian")).to_be_visible()
        expect(chat.get_by_text("Nobody is here right now.")).to_be_visible()


def test_the_library_page_keeps_a_chat_token_only_from_its_own_widget(page, reference_widget):
    library, widget, _, snippet = reference_widget
    page.goto(library.page("index.html", snippet))
    chat = next(frame for frame in page.frames if f"/widget/{widget.pk}/" in frame.url)
    expect(page.frame_locator("iframe").locator("body")).to_have_attribute("data-socket", "open")
    post = """([widget, token]) =>
        window.parent.postMessage({libchat: "chat_token", widget, token}, "*")"""
    kept = f"() => sessionStorage.getItem('libchat-chat-{widget.pk}')"
    token = "t" * 43

    page.evaluate(post, [widget.pk, token])  # another script of the library's page
    chat.evaluate(post, [widget.pk + 1, token])  # another widget's
    chat.evaluate(post, [widget.pk, "<b>not a token</b>"])
    page.wait_for_timeout(300)  # messages arrive in a task or two
    assert page.evaluate(kept) is None

    chat.evaluate(post, [widget.pk, token])
    page.wait_for_function(f"() => ({kept})() === '{token}'")
    page.reload()  # the new frame is given the token, in its URL's fragment only
    src = urlsplit(page.locator("iframe").get_attribute("src"))
    assert src.path == f"/widget/{widget.pk}/" and src.query == ""
    assert parse_qs(src.fragment)["chat"] == [token]
    # LibChat knows no such chat: the frame says so and the library's page forgets the token.
    page.wait_for_function(f"() => ({kept})() === null")


def test_the_offline_form_shows_send_question_in_a_short_window(browser, live_server_daphne, sites):
    from tests.browser.test_patron_chats import assert_in_view

    library = sites()
    widget = outside_the_loop(
        lambda: services.widget_create(
            name="Main site",
            allowed_origins=[library.url],
            first_choice=DepartmentFactory(),  # nobody in it: offline
            title="Ask a Librarian",
            offline_behaviour="ticket_form",
        )
    )
    snippet = selectors.widget_embed_snippet(widget=widget, base_url=live_server_daphne.url)
    patron = browser.new_context(viewport={"width": 1024, "height": 600}).new_page()
    patron.goto(library.page("index.html", snippet))
    patron.get_by_role("button", name="Ask a Librarian: Offline").click()
    chat = patron.frame_locator('iframe[title="Ask a Librarian"]')
    chat.get_by_label("Email to answer you at").fill("ada@example.org")
    chat.get_by_label("What would you like to ask?").fill("Can I renew by phone?")
    send = chat.get_by_role("button", name="Send Question")
    send.scroll_into_view_if_needed()  # the form scrolls under the widget's header
    assert_in_view(patron, send, chat.get_by_role("heading", name="Ask a Librarian"))
    send.click()
    expect(chat.get_by_text("Thank you. We will answer by email.")).to_be_visible()


def test_the_widget_admin_copies_either_snippet_to_the_clipboard(
    browser, live_server_daphne, log_in, make_widget
):
    _, widget, _, _ = make_widget()
    admin = outside_the_loop(
        OperatorFactory, display_name="Ada Admin", is_staff=True, is_superuser=True
    )
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = log_in(context.new_page(), admin)
    page.goto(f"{live_server_daphne.url}/admin/widgets/widget/{widget.pk}/change/")
    wanted = [
        ("embed-snippet", f"/widget/{widget.pk}/embed.js"),
        ("libchat-snippet", f"/load_chat.php?hash={widget.hash}"),
    ]
    for snippet, needle in wanted:
        page.locator(f"button[data-copy='{snippet}']").click()
        expect(page.locator("#snippet-copied")).to_have_text("Copied.")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == page.locator(f"#{snippet}").input_value()
        assert needle in copied
        page.locator("#snippet-copied").evaluate("e => e.textContent = ''")
    context.close()
